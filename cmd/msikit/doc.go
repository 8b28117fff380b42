// Command msikit reads Windows Installer packages (.msi, .msm, .msp, .mst)
// and rewrites their tables, on any operating system.
//
// Run "msikit help" for the list of commands, and "msikit help COMMAND" for
// one command's usage, flags and an example.
package main
