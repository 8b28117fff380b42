package main

import flag "github.com/spf13/pflag"

var cmdInfo = &Command{
	UsageLine: "msikit info FILE [--json]",
	Short:     "show a package's kind, codepage, summary information, tables, streams and signature",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
