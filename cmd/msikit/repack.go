package main

import flag "github.com/spf13/pflag"

var cmdRepack = &Command{
	UsageLine: "msikit repack IN -o OUT",
	Short:     "re-encode a database: compact the string pool, drop slack",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
