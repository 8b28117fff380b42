package main

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestPassesGetTheContext: rewrite hands its context to the passes, and
// assembly-names, which reads the sample's assemblies out of its
// cabinet, stops with the signal as its cause when the context is done
// (the pass loop checks the context only between passes).
func TestPassesGetTheContext(t *testing.T) {
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&signalError{os.Interrupt})
	ran := false
	for _, p := range passes() {
		if p.name != "assembly-names" {
			continue
		}
		ran = true
		_, err := p.run(ctx, db, &rewriteOpts{})
		var se *signalError
		if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
			t.Errorf("assembly-names with a cancelled context: %v, want an error wrapping the *signalError", err)
		}
	}
	if !ran {
		t.Fatal("no assembly-names pass")
	}
}
