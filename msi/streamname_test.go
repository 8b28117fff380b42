package msi

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// RowStreamNameError agrees with packing the name StreamName builds:
// both accept a name or both refuse it, over random tables and keys of
// packable, unpackable and astral characters, NUL among them.
func TestRowStreamNameErrorAgreesWithPackName(t *testing.T) {
	pieces := []string{"A", "z", "0", ".", "_", "-", " ", "é", "€", "𝄞", "\x00", "\xff", "Binary", "Icon"}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(max int) string {
		var b strings.Builder
		for range rng.IntN(max + 1) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	fits, refused := 0, 0
	for range 20000 {
		table := word(6)
		if table == "" || strings.HasPrefix(table, "\x05") {
			continue
		}
		keys := make([]Value, 1+rng.IntN(3))
		name := table
		for i := range keys {
			if rng.IntN(3) == 0 {
				n := rng.Int32N(1<<20) - 1<<19
				keys[i] = IntValue(n)
			} else {
				keys[i] = StrValue(word(12))
			}
			name += "." + keys[i].String()
		}
		_, perr := packName(name, false)
		err := RowStreamNameError(table, keys)
		if (err == nil) != (perr == nil) {
			t.Fatalf("name %q: RowStreamNameError %v, packName %v", name, err, perr)
		}
		if err == nil {
			fits++
		} else {
			refused++
		}
	}
	if fits < 1000 || refused < 1000 {
		t.Fatalf("%d names fit and %d did not: the test does not cover both", fits, refused)
	}
}

// A name that fits costs no allocation; a refused one names the problem.
func TestRowStreamNameError(t *testing.T) {
	keys := []Value{StrValue("setup.dll"), IntValue(-12)}
	if n := testing.AllocsPerRun(100, func() {
		if err := RowStreamNameError("Binary", keys); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations for a name that fits, want 0", n)
	}
	for _, tt := range []struct {
		key  string
		want string
	}{
		{"x\x00", "holds NUL"},
		{strings.Repeat("é", 40), "longer than 31 units"},
		{strings.Repeat("k", 1<<20), "longer than 31 units"},
	} {
		err := RowStreamNameError("Binary", []Value{StrValue(tt.key)})
		if err == nil || !strings.Contains(err.Error(), tt.want) || len(err.Error()) > 2048 {
			t.Errorf("key %.40q: error %.300v, want one of at most 2 KiB saying %q", tt.key, err, tt.want)
		}
	}
}

// SetStream refuses a name holding NUL, which no compound file entry name
// can hold, instead of failing only when the database is written.
func TestSetStreamRefusesNUL(t *testing.T) {
	db := openSample(t)
	err := db.SetStream("Binary.x\x00y", bytes.NewReader([]byte("data")), 4)
	if err == nil || !strings.Contains(err.Error(), "holds NUL") {
		t.Fatalf("SetStream of a name holding NUL: %v, want an error saying it holds NUL", err)
	}
	var out bytes.Buffer
	if _, err := db.WriteTo(&out); err != nil {
		t.Fatalf("WriteTo after the refused SetStream: %v", err)
	}
}
