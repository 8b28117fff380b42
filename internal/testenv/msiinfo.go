package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Msiinfo runs the msiinfo oracle (from NeedTool) with args in dir
// (msiinfo export writes binary cells into its working folder) with
// TZ=UTC, since it prints summary information times in the local zone.
// A failed run returns what it printed and an *exec.ExitError carrying its
// standard error.
func Msiinfo(t testing.TB, msiinfo, dir string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(msiinfo, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), &exec.ExitError{ProcessState: cmd.ProcessState, Stderr: errb.Bytes()}
	}
	return out.Bytes(), nil
}
