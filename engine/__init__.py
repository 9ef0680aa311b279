"""Events, rules and live state: the part of pimentaCHAT Livechat that decides what happens."""

__version__ = "0.1.0"
