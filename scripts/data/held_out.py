"""The names of the held-out evaluation sets (shared/docs/data.md), as one pattern.

The dataset builder drops any row that names one of them and the checker fails on any data file
that does; neither ever reads them. Kept in one place so the two scripts cannot drift apart."""
import re

HELD_OUT_NAMES = re.compile(r"adv_?bench|xstest|simple_?safety_?tests|jailbreak_?bench|\bjbb|strata-?sword|"
                            r"cyberseceval|or-?bench|wildguard|toxic_?chat", re.I)
