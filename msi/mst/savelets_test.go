package mst_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// Save does not hold the changes while it reads the transform back: the
// database they were made to can be let go from Written on (rewrite
// --as-transform closes the rewritten package there: the read-back of
// msi-verbs-of-one-extension.msi's transform, limit raised, then peaked
// at 215 MiB live, not 263).
func TestSaveLetsGoOfTheChanges(t *testing.T) {
	old, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	new, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := new.Table("Registry")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if err := reg.Insert(msi.StrValue(fmt.Sprintf("reg%04d", i)), msi.IntValue(2), msi.StrValue(fmt.Sprintf(`Software\Acme\%04d`, i)),
			msi.Null, msi.StrValue("v"), msi.StrValue("Core")); err != nil {
			t.Fatal(err)
		}
	}
	var gone atomic.Bool
	runtime.AddCleanup(new, func(*atomic.Bool) { gone.Store(true) }, &gone)
	c, err := mst.Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	si, err := mst.NewSummary(old, new, nil)
	if err != nil {
		t.Fatal(err)
	}
	released := false
	written := func() {
		new.Close()
		new, c = nil, nil
		// Cleanups run on a goroutine of their own, after a collection.
		for deadline := time.Now().Add(2 * time.Second); !gone.Load() && time.Now().Before(deadline); {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		released = gone.Load()
	}
	out := filepath.Join(t.TempDir(), "t.mst")
	if err := mst.Save(out, c, si, &mst.SaveOptions{Base: old, Written: written}); err != nil {
		t.Fatal(err)
	}
	if !released {
		t.Error("the database the changes were made to is still reachable when the transform is read back")
	}
}
