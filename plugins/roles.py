"""THE account-roles table: what an account counts for, classified once per account.

Every rule family asks the same question of every posting ("is this the work-study
income? a P&L account? the treasury payable?"). The table answers it once per
distinct account name for all the families of a pass: each family claims its roles
(`claim`) when the pass is set up, and the pass ORs the roles of a transaction's
postings into one mask, so a family sees only the transactions it has a role in.
"""
from plugins.closing import is_closing_equity, is_profit_and_loss
from plugins.common import is_monetary, under

# Roles every family may use, fixed bits; `claim` hands out the rest.
CLOSING_EQUITY = 1 << 0        # 3103 本年利润 / 3104 利润分配: the transaction may be a 结转
PROFIT_AND_LOSS = 1 << 1       # Income:… and Expenses:…
MONETARY = 1 << 2              # 1001 库存现金, 1002 银行存款, 1012 其他货币资金
NON_MONETARY_ASSET = 1 << 3    # any other Assets:… (P8's qualifying investments)
KEYED = 1 << 4                 # set on a transaction's mask when it carries a metadata key a family named
ACCOUNT = 1 << 5               # every account: a transaction's mask is never 0
_FIXED = (
    (ACCOUNT, lambda account: True),
    (CLOSING_EQUITY, is_closing_equity),
    (PROFIT_AND_LOSS, is_profit_and_loss),
    (MONETARY, is_monetary),
    (NON_MONETARY_ASSET, lambda account: account.startswith("Assets:") and not is_monetary(account)),
)


class _Bits(dict):
    """account → its roles, each account classified the first time it is looked up."""

    def __init__(self, classify):
        super().__init__()
        self.classify = classify

    def __missing__(self, account):
        bits = self[account] = self.classify(account)
        return bits


class AccountRoles:
    """account → bitmask of roles. `claim` a role before the pass, then read `bits[account]`."""

    def __init__(self):
        self._tests = list(_FIXED)
        self._next = ACCOUNT << 1
        self.bits = _Bits(self._classify)  # filled as accounts are met

    def claim(self, test) -> int:
        """A new role (one bit) for the accounts `test(account)` is true of."""
        if self.bits:
            raise RuntimeError("roles are claimed before the pass classifies any account")
        bit = self._next
        self._next <<= 1
        self._tests.append((bit, test))
        return bit

    def claim_under(self, *prefixes) -> int:
        """A role for the accounts that are one of `prefixes` or under it (None skipped)."""
        prefixes = tuple(p for p in prefixes if p)
        return self.claim(lambda account: any(under(account, p) for p in prefixes))

    def _classify(self, account: str) -> int:
        return sum(bit for bit, test in self._tests if test(account))
