"""An asset contract: one issuer creates units, holders transfer them.

Balances live in the contract's own storage (keys "balance:<address>"), which only this
contract's code can write. Deploy it, call `setup` once (the signer becomes the issuer), then:

    issue(to, amount)         the issuer creates `amount` units for `to`
    transfer(to, amount)      the signer sends `amount` of its units to `to`
    balance(holder) -> int    anyone reads a balance
"""

from jadechain.contract import Contract, ContractError, method


def balance_key(holder):
    return "balance:" + holder


def positive(amount):
    if amount <= 0:
        raise ContractError("the amount must be positive")
    return amount


class Asset(Contract):
    @method
    def setup(self, ctx, symbol: str) -> str:
        if ctx.get(ctx.address, "issuer") is not None:
            raise ContractError("the asset is already set up")
        issuer = ctx.signers[0]
        ctx.set(ctx.address, "issuer", issuer)
        ctx.set(ctx.address, "symbol", symbol)
        ctx.set(ctx.address, "supply", 0)
        return issuer

    @method
    def issue(self, ctx, to: str, amount: int) -> int:
        if ctx.get(ctx.address, "issuer") not in ctx.signers:
            raise ContractError("only the issuer may issue")
        positive(amount)
        ctx.set(ctx.address, "supply", ctx.get(ctx.address, "supply") + amount)
        return self.add(ctx, to, amount)

    @method
    def transfer(self, ctx, to: str, amount: int) -> int:
        sender = ctx.signers[0]
        if self.balance(ctx, sender) < positive(amount):
            raise ContractError(f"insufficient balance: {sender} has {self.balance(ctx, sender)}")
        self.add(ctx, sender, -amount)
        self.add(ctx, to, amount)
        return self.balance(ctx, sender)

    @method
    def balance(self, ctx, holder: str) -> int:
        return ctx.get(ctx.address, balance_key(holder), 0)

    @method
    def supply(self, ctx) -> int:
        return ctx.get(ctx.address, "supply", 0)

    def add(self, ctx, holder, amount):
        updated = self.balance(ctx, holder) + amount
        ctx.set(ctx.address, balance_key(holder), updated)
        return updated
