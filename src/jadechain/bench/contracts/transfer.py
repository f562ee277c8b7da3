# mypy: ignore-errors
"""The `transfer` benchmark contract: Hyperledger Caliper's "simple" benchmark as a contract.

Accounts are names with an integer balance in the contract's own storage (key "account:<name>").
`open` is a name the sandbox reserves, so Caliper's `open(account, money)` is `open_account`:

    open_account(account, money) -> int   create `account` holding `money` (once per name)
    query(account) -> int                 its balance
    transfer(source, target, amount)      move `amount` from `source` to `target`; refused
                                          (contract_error) if `source` holds less

Transfers conserve the total: the sum of every balance stays the sum of the opening balances.
"""

from jadechain.contract import Contract, ContractError, method


def account_key(account):
    return "account:" + account


def balance_of(ctx, account):
    balance = ctx.get(ctx.address, account_key(account))
    if balance is None:
        raise ContractError(f"no account {account}")
    return balance


class Transfer(Contract):
    @method
    def open_account(self, ctx, account: str, money: int) -> int:
        if money < 0:
            raise ContractError("an opening balance is not negative")
        if ctx.get(ctx.address, account_key(account)) is not None:
            raise ContractError(f"account {account} exists")
        ctx.set(ctx.address, account_key(account), money)
        return money

    @method
    def query(self, ctx, account: str) -> int:
        return balance_of(ctx, account)

    @method
    def transfer(self, ctx, source: str, target: str, amount: int) -> int:
        if amount <= 0:
            raise ContractError("the amount must be positive")
        if source == target:
            raise ContractError("source and target are the same account")
        available = balance_of(ctx, source)
        received = balance_of(ctx, target)
        if available < amount:
            raise ContractError(f"insufficient funds: {source} holds {available}")
        ctx.set(ctx.address, account_key(source), available - amount)
        ctx.set(ctx.address, account_key(target), received + amount)
        return available - amount
