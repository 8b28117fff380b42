// Command msikit reads Windows Installer packages (.msi, .msm, .msp, .mst)
// and rewrites their tables, on any operating system.
//
// Run "msikit help" for the list of commands, and "msikit help COMMAND" for
// one command's usage, flags and an example.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
