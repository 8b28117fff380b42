package main

import flag "github.com/spf13/pflag"

var cmdCat = &Command{
	UsageLine: "msikit cat FILE STREAM",
	Short:     "write one stream's bytes to standard output",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
