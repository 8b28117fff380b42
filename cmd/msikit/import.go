package main

import flag "github.com/spf13/pflag"

var cmdImport = &Command{
	UsageLine: "msikit import FILE TABLE.idt... [-o OUT]",
	Short:     "import IDT files into a database (msibuild -i semantics)",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
