package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestPassesGetTheContext: rewrite hands its context to every pass, and
// each stops with the signal as its cause when the context is done,
// changing nothing: class-to-registry and leaf-features while they read
// and plan (every 1,024 rows or steps, and before they change anything),
// assembly-names while it reads the sample's assemblies out of its
// cabinet (the pass loop itself checks the context only between passes).
// (Before, class-to-registry and leaf-features ran to their end.)
func TestPassesGetTheContext(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&signalError{os.Interrupt})
	names := map[string]bool{}
	for _, p := range passes() {
		names[p.name] = true
		t.Run(p.name, func(t *testing.T) {
			db, err := msi.Open(testenv.SampleMSI())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = p.run(ctx, db, &rewriteOpts{}, nil)
			var se *signalError
			if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a cancelled context: %v, want an error wrapping the *signalError", p.name, err)
			}
			if db.ContentModified() {
				t.Errorf("%s with a cancelled context changed the package", p.name)
			}
			// Not stopped, the pass runs; the first two change the
			// sample, so the stopped run had something to leave undone.
			if _, err := p.run(context.Background(), db, &rewriteOpts{}, nil); err != nil {
				t.Fatal(err)
			}
			if p.name != "assembly-names" && !db.ContentModified() {
				t.Errorf("%s does not change the sample", p.name)
			}
		})
	}
	for _, want := range []string{"class-to-registry", "leaf-features", "assembly-names"} {
		if !names[want] {
			t.Errorf("no %s pass", want)
		}
	}
}

// TestRewriteStoppedAfterItsPasses: a signal that comes once the last
// pass has started (it then makes its planned changes whole) stops
// rewrite before it writes anything. (Before, rewrite went on to write
// the output.)
func TestRewriteStoppedAfterItsPasses(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&signalError{os.Interrupt})
	dir := t.TempDir()
	out := filepath.Join(dir, "out.msi")
	var stdout, stderr bytes.Buffer
	env := &Env{Ctx: ctx, Stdout: &stdout, Stderr: &stderr}
	// No pass left to run: the signal is seen after the passes.
	r := rewriteOne(env, &rewriteOpts{}, nil, testenv.SampleMSI(), out)
	if want := testenv.SampleMSI() + ": stopped by a signal (interrupt)"; r.OK || r.Error != want {
		t.Errorf("rewrite with a signal after its passes: OK %v, error %q; want failed with %q", r.OK, r.Error, want)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
		t.Errorf("written after the signal: %q", left)
	}
}
