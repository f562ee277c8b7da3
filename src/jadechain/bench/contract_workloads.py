"""Contract workloads of `jadechain bench run`: Hyperledger Caliper's "simple" (`transfer`) and
"smallbank" benchmarks, each through its contract in `bench/contracts/`.

Setup (committed before the load, not measured): deploy the contract at the run's account key,
then create `accounts` accounts in transactions of `SETUP_INVOCATIONS` invocations each. Load:
one `InvokeContract` per transaction. Transaction `index` draws its operation and arguments from
`random.Random(seed + index)`, so a worker process signs it and the runner later names its kind
(`kind`) without sharing state.

- `transfer`: every transaction is `transfer(source, target, TRANSFER_AMOUNT)` between two
  distinct accounts drawn uniformly; accounts open with `balance` (default 10,000). Caliper runs
  `query` as a separate read round; here it would be a transaction, so it is not in the mix.
- `smallbank`: Caliper's smallbank operations mix: `transact_savings`, `deposit_checking`,
  `send_payment`, `write_check`, `amalgamate` with equal shares (20% each), amounts uniform in
  0..199, customers drawn uniformly (two distinct ones where an operation takes two); customers
  open with `balance` in checking and in savings (default 1,000,000, Caliper's
  `initial_balance`). `create_account` is the setup; `query` is a read round in Caliper and is
  not in the mix.

A refusal (insufficient funds) commits with code `contract_error`: part of the workload, counted
apart in the results.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from jadechain.bench.contracts import source
from jadechain.bench.workload_base import Workload
from jadechain.contract.convert import to_ledger
from jadechain.crypto import Digest, KeyPair
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign

SETUP_INVOCATIONS = 250  # account creations per setup transaction
ACCOUNTS_DEFAULT = 1_000
TRANSFER_AMOUNT = 100
SMALLBANK_AMOUNT_BELOW = 200
SMALLBANK_MIX = (
    "transact_savings", "deposit_checking", "send_payment", "write_check", "amalgamate"
)  # fmt: skip

Call = tuple[str, list[Any]]  # a method and its arguments


@dataclass(frozen=True)
class ContractWorkload(Workload):
    """A contract deployed in the setup, then invoked once per load transaction."""

    accounts: int = ACCOUNTS_DEFAULT
    balance: int = 0  # opening balance per account (0: the workload's default)
    seed: int = 0

    contract = ""  # the source in bench/contracts/
    default_balance = 0

    @property
    def opening(self) -> int:
        return self.balance or self.default_balance

    def setup(
        self, ledger_id: Digest, admin: KeyPair, account: KeyPair, time_ms: int
    ) -> list[m.SignedTransaction]:
        """Deploy the contract at `account`, then open every account."""
        deploy = m.DeployContract(account.public, source(self.contract))
        groups: list[list[m.Operation]] = [[deploy]]
        for first in range(0, self.accounts, SETUP_INVOCATIONS):
            last = min(first + SETUP_INVOCATIONS, self.accounts)
            groups.append([_invoke(account.address, self.opener(i)) for i in range(first, last)])
        return [sign(new_content(ledger_id, ops, time_ms), [admin]) for ops in groups]

    def operations(self, index: int, account: str) -> list[m.Operation]:
        return [_invoke(account, self.draw(random.Random(self.seed + index)))]  # noqa: S311

    def kind(self, index: int) -> str:
        return self.draw(random.Random(self.seed + index))[0]  # noqa: S311

    def parameters(self) -> dict[str, object]:
        return {"accounts": self.accounts, "opening_balance": self.opening}

    def opener(self, number: int) -> Call:
        raise NotImplementedError

    def draw(self, rng: random.Random) -> Call:
        raise NotImplementedError

    def pair(self, rng: random.Random) -> tuple[str, str]:
        """Two distinct account names, uniformly."""
        first, second = rng.sample(range(self.accounts), 2)
        return self.account_name(first), self.account_name(second)

    def account_name(self, number: int) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Transfer(ContractWorkload):
    name = "transfer"
    contract = "transfer"
    default_balance = 10_000

    def account_name(self, number: int) -> str:
        return f"a{number}"

    def opener(self, number: int) -> Call:
        return "open_account", [self.account_name(number), self.opening]

    def draw(self, rng: random.Random) -> Call:
        source_name, target = self.pair(rng)
        return "transfer", [source_name, target, TRANSFER_AMOUNT]


@dataclass(frozen=True)
class SmallBank(ContractWorkload):
    name = "smallbank"
    contract = "smallbank"
    default_balance = 1_000_000

    def account_name(self, number: int) -> str:
        return f"c{number}"

    def opener(self, number: int) -> Call:
        customer = self.account_name(number)
        return "create_account", [customer, f"customer {number}", self.opening, self.opening]

    def draw(self, rng: random.Random) -> Call:
        operation = rng.choice(SMALLBANK_MIX)
        amount = rng.randrange(SMALLBANK_AMOUNT_BELOW)
        if operation == "amalgamate":
            return operation, list(self.pair(rng))
        if operation == "send_payment":
            return operation, [*self.pair(rng), amount]
        return operation, [self.account_name(rng.randrange(self.accounts)), amount]


def _invoke(address: str, call: Call) -> m.InvokeContract:
    method, args = call
    return m.InvokeContract(address, method, [to_ledger(arg) for arg in args])
