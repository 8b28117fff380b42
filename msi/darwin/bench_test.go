package darwin

import "testing"

// benchDescriptor is a full descriptor (product, feature, component)
// with a shell verb's arguments after it, as Windows Installer writes
// one beside an advertised verb.
const benchDescriptor = `']gAVn-}f(ZXfeAR6.jiWORDFiles>P` + "`" + `os,1@SW=P7v6GPl]Xh /n "%1"`

// BenchmarkDecode decodes one descriptor: what `descriptor decode` and
// `log explain` do for each descriptor they meet.
func BenchmarkDecode(b *testing.B) {
	b.SetBytes(int64(len(benchDescriptor)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(benchDescriptor); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode encodes one full descriptor.
func BenchmarkEncode(b *testing.B) {
	d, _, err := Decode(benchDescriptor)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(d); err != nil {
			b.Fatal(err)
		}
	}
}
