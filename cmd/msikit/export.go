package main

import flag "github.com/spf13/pflag"

var cmdExport = &Command{
	UsageLine: "msikit export FILE [TABLE...] [-d DIR] [--format idt|json]",
	Short:     "export tables as IDT files (msidb/msiinfo format) or JSON",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
