package msi

import (
	"bytes"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRandomEditsRoundTrip applies random inserts, updates (including key
// changes) and deletes to two tables, mirrors them in a plain model, and
// checks after writing (plain and compact) and reopening that the tables
// hold exactly the model's rows, stored in key order (string keys by pool
// id), and that the string pool has no duplicates or unused strings.
func TestRandomEditsRoundTrip(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			db, err := Open(coreSample)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			prop, _ := db.Table("Property")
			mt, err := db.CreateTable("Model", []Column{
				{Name: "S", Type: ColString, Size: 20, Key: true},
				{Name: "N", Type: ColInt16, Key: true},
				{Name: "V", Type: ColString, Nullable: true, Localizable: true},
				{Name: "L", Type: ColInt32, Nullable: true},
			})
			if err != nil {
				t.Fatal(err)
			}
			model := map[*Table]map[string][]Value{prop: {}, mt: {}}
			keyOf := func(tab *Table, v []Value) string {
				if tab == prop {
					return v[0].String()
				}
				return v[0].String() + "\x00" + v[1].String()
			}
			for r := range prop.Rows() {
				model[prop][keyOf(prop, r.Values())] = r.Values()
			}
			rng := rand.New(rand.NewSource(7))
			// Words include strings already in the pool, so added strings
			// must merge with them.
			words := []string{"Manufacturer", "ProductName", "alpha", "zeta", "mid", "Complete", "Core", "x", "ALLUSERS", "1"}
			word := func() string { return words[rng.Intn(len(words))] + fmt.Sprint(rng.Intn(3)) }
			randRow := func(tab *Table) []Value {
				if tab == prop {
					return []Value{StrValue(word()), StrValue(word())}
				}
				v := []Value{StrValue(word()), IntValue(int32(rng.Intn(200) - 100)), Null, Null}
				if rng.Intn(2) == 0 {
					v[2] = StrValue(word())
				}
				if rng.Intn(2) == 0 {
					v[3] = IntValue(rng.Int31() - 1<<30)
				}
				return v
			}
			for op := 0; op < 400; op++ {
				tab := prop
				if rng.Intn(2) == 0 {
					tab = mt
				}
				m := model[tab]
				switch rng.Intn(3) {
				case 0:
					v := randRow(tab)
					err := tab.Insert(v...)
					_, exists := m[keyOf(tab, v)]
					if exists != (err != nil) {
						t.Fatalf("insert %v: exists=%v err=%v", v, exists, err)
					}
					if err == nil {
						m[keyOf(tab, v)] = v
					}
				case 1:
					if len(m) == 0 {
						continue
					}
					keys := slices.Sorted(func(yield func(string) bool) {
						for k := range m {
							if !yield(k) {
								return
							}
						}
					})
					old := m[keys[rng.Intn(len(keys))]]
					nv := randRow(tab)
					if rng.Intn(2) == 0 { // keep the key
						copy(nv, old[:len(tab.keys)])
					}
					kOld := keyOf(tab, old)
					_, clash := m[keyOf(tab, nv)]
					clash = clash && keyOf(tab, nv) != kOld
					err := tab.Update(old[:len(tab.keys)], func(v []Value) error { copy(v, nv); return nil })
					if clash != (err != nil) {
						t.Fatalf("update %v -> %v: clash=%v err=%v", old, nv, clash, err)
					}
					if err == nil {
						delete(m, kOld)
						m[keyOf(tab, nv)] = nv
					}
				case 2:
					w := word()
					n := tab.DeleteFunc(func(r Row) bool { return r.At(0).Str() == w })
					c := 0
					for k, v := range m {
						if v[0].Str() == w {
							delete(m, k)
							c++
						}
					}
					if n != c {
						t.Fatalf("delete %q: %d rows, model %d", w, n, c)
					}
				}
			}
			t.Logf("model: %d Property rows, %d Model rows", len(model[prop]), len(model[mt]))
			var buf bytes.Buffer
			if _, err := db.Write(&buf, &WriteOptions{Compact: compact}); err != nil {
				t.Fatal(err)
			}
			db2, err := NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			for tab, m := range model {
				t2, err := db2.Table(tab.Name())
				if err != nil {
					t.Fatal(err)
				}
				var want, got []string
				for _, v := range m {
					want = append(want, fmt.Sprint(v))
				}
				var prev []uint32
				for r := range t2.Rows() {
					got = append(got, fmt.Sprint(r.Values()))
					cur := make([]uint32, len(t2.keys))
					for i, k := range t2.keys {
						cur[i] = r.cells[k]
					}
					if prev != nil && slices.Compare(prev, cur) >= 0 {
						t.Errorf("%s: rows not in key order: %v then %v", tab.Name(), prev, cur)
					}
					prev = cur
				}
				slices.Sort(want)
				slices.Sort(got)
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s after rewrite (-model +read):\n%s", tab.Name(), d)
				}
			}
			// Pool: no duplicate strings among used ones, refcounts exact.
			seen := map[string]bool{}
			p := db2.pool
			for id := 1; id < p.size(); id++ {
				b := string(p.raw(uint32(id)))
				if b == "" {
					continue
				}
				if seen[b] {
					t.Errorf("string %q stored twice", b)
				}
				seen[b] = true
			}
			counts := make([]int, p.size())
			for _, tab := range append([]*Table{db2.sysTables["_Tables"], db2.sysTables["_Columns"]}, db2.tables...) {
				if err := db2.load(tab); err != nil {
					t.Fatal(err)
				}
				for r := range tab.Rows() {
					for i, c := range tab.cols {
						if c.Type == ColString {
							counts[r.cells[i]]++
						}
					}
				}
			}
			for id := 1; id < p.size(); id++ {
				if len(p.raw(uint32(id))) == 0 {
					continue
				}
				if counts[id] == 0 {
					t.Errorf("string %q (id %d) unused but kept", p.str(uint32(id)), id)
				} else if int(p.refs[id]) != min(counts[id], 0xffff) {
					t.Errorf("string %q: refcount %d, used %d times", p.str(uint32(id)), p.refs[id], counts[id])
				}
			}
		})
	}
}
