package main

import flag "github.com/spf13/pflag"

var cmdRewrite = &Command{
	UsageLine: "msikit rewrite IN... -o OUT [passes] [--dry-run] [--json]",
	Short:     "rewrite tables to stop resiliency repairs (Class to Registry, assembly names, leaf features)",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
