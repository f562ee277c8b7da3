# mypy: ignore-errors
"""The `smallbank` benchmark contract: the SmallBank operations of Hyperledger Caliper's smallbank
benchmark, over customers with a checking and a savings balance in the contract's own storage
(keys "checking:<id>", "savings:<id>", "name:<id>").

    create_account(customer, name, checking, savings)   once per customer id
    transact_savings(customer, amount)     savings += amount; refused if it would go negative
    deposit_checking(customer, amount)     checking += amount; refused if amount < 0
    send_payment(dest, source, amount)     move from source's to dest's checking; refused if
                                           source's checking holds less
    write_check(customer, amount)          checking -= amount, and 1 more as a penalty when
                                           checking + savings < amount (checking may go negative)
    amalgamate(dest, source)               source's checking and savings all go to dest's
                                           checking
    query(customer) -> [checking, savings]

Refusals raise ContractError: the transaction commits with code contract_error and changes nothing.
"""

from jadechain.contract import Contract, ContractError, method


def read(ctx, kind, customer):
    value = ctx.get(ctx.address, kind + ":" + customer)
    if value is None:
        raise ContractError(f"no customer {customer}")
    return value


def write(ctx, kind, customer, value):
    ctx.set(ctx.address, kind + ":" + customer, value)


def not_negative(amount):
    if amount < 0:
        raise ContractError("the amount must not be negative")
    return amount


class SmallBank(Contract):
    @method
    def create_account(self, ctx, customer: str, name: str, checking: int, savings: int) -> str:
        if ctx.get(ctx.address, "name:" + customer) is not None:
            raise ContractError(f"customer {customer} exists")
        write(ctx, "name", customer, name)
        write(ctx, "checking", customer, not_negative(checking))
        write(ctx, "savings", customer, not_negative(savings))
        return customer

    @method
    def transact_savings(self, ctx, customer: str, amount: int) -> int:
        savings = read(ctx, "savings", customer) + amount
        if savings < 0:
            raise ContractError(f"insufficient savings: {customer}")
        write(ctx, "savings", customer, savings)
        return savings

    @method
    def deposit_checking(self, ctx, customer: str, amount: int) -> int:
        checking = read(ctx, "checking", customer) + not_negative(amount)
        write(ctx, "checking", customer, checking)
        return checking

    @method
    def send_payment(self, ctx, dest: str, source: str, amount: int) -> int:
        if dest == source:
            raise ContractError("source and destination are the same customer")
        available = read(ctx, "checking", source)
        received = read(ctx, "checking", dest)
        if available < not_negative(amount):
            raise ContractError(f"insufficient funds: {source}")
        write(ctx, "checking", source, available - amount)
        write(ctx, "checking", dest, received + amount)
        return available - amount

    @method
    def write_check(self, ctx, customer: str, amount: int) -> int:
        checking = read(ctx, "checking", customer)
        total = checking + read(ctx, "savings", customer)
        penalty = 1 if total < not_negative(amount) else 0
        write(ctx, "checking", customer, checking - amount - penalty)
        return checking - amount - penalty

    @method
    def amalgamate(self, ctx, dest: str, source: str) -> int:
        if dest == source:
            raise ContractError("source and destination are the same customer")
        moved = read(ctx, "checking", source) + read(ctx, "savings", source)
        checking = read(ctx, "checking", dest) + moved
        write(ctx, "checking", source, 0)
        write(ctx, "savings", source, 0)
        write(ctx, "checking", dest, checking)
        return checking

    @method
    def query(self, ctx, customer: str) -> list[int]:
        return [read(ctx, "checking", customer), read(ctx, "savings", customer)]
