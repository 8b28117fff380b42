package sarif

import (
	"slices"
	"strconv"
)

// resultDepth is the depth of the results in a log (eight spaces: the
// log's object, "runs", the run, "results"), where Writer.Add writes
// them.
const resultDepth = 4

// lineStarts holds "\n" and the indentation of every depth a result
// reaches (its deepest fields, a region's, are at depth 9), sliced by
// line.
const lineStarts = "\n                                                                "

// line appends a new line indented to depth.
func (w *Writer) line(depth int) { w.rb = append(w.rb, lineStarts[:1+2*depth]...) }

// field appends the start of the next field of an object at depth, given
// as its quoted name and ": ", opening the object for its first (open
// false).
func (w *Writer) field(open *bool, depth int, key string) {
	if *open {
		w.rb = append(w.rb, ',')
	} else {
		w.rb = append(w.rb, '{')
		*open = true
	}
	w.line(depth + 1)
	w.rb = append(w.rb, key...)
}

// end appends the end of an object at depth: "{}" when no field was
// written.
func (w *Writer) end(open bool, depth int) {
	if !open {
		w.rb = append(w.rb, "{}"...)
		return
	}
	w.line(depth)
	w.rb = append(w.rb, '}')
}

// optStr appends the field key of an object at depth with the string s,
// unless s is empty (an omitempty field).
func (w *Writer) optStr(open *bool, depth int, key, s string) {
	if s != "" {
		w.field(open, depth, key)
		w.str(s)
	}
}

// array appends a non-empty array whose n elements elem appends, each on
// its own line at depth+1, the closing bracket at depth.
func (w *Writer) array(n, depth int, elem func(i int)) {
	w.rb = append(w.rb, '[')
	for i := range n {
		if i > 0 {
			w.rb = append(w.rb, ',')
		}
		w.line(depth + 1)
		elem(i)
	}
	w.line(depth)
	w.rb = append(w.rb, ']')
}

// str appends s as a JSON string, escaped as the results' jsonindent
// Encoder (and Log.Write) escape it.
func (w *Writer) str(s string) { w.rb = w.results.AppendString(w.rb, s) }

// integer appends n in decimal.
func (w *Writer) integer(n int64) { w.rb = strconv.AppendInt(w.rb, n, 10) }

// maxResultBuffer is the capacity of the result buffer kept for the next
// result: one with a long text is not held after it is written.
const maxResultBuffer = 64 << 10

// writeResult writes r at the results' depth, without a line before it,
// byte for byte as the reflective jsonindent Encoder (and so Log.Write)
// writes it: field by field, appended to a buffer written at once
// (reflection took two fifths of validate --sarif's time for 760,000
// results, and a write a piece a fifth). r.Properties, whose type the
// Writer does not know, is written by the Encoder.
func (w *Writer) writeResult(r *Result) {
	const d = resultDepth
	w.rb = w.rb[:0]
	open := false
	w.field(&open, d, `"ruleId": `)
	w.str(r.RuleID)
	if r.RuleIndex != nil {
		w.field(&open, d, `"ruleIndex": `)
		w.integer(int64(*r.RuleIndex))
	}
	w.optStr(&open, d, `"level": `, string(r.Level))
	w.field(&open, d, `"message": `)
	w.message(&r.Message, d+1)
	if len(r.Locations) > 0 {
		w.field(&open, d, `"locations": `)
		w.array(len(r.Locations), d+1, func(i int) { w.location(&r.Locations[i], d+2) })
	}
	if len(r.PartialFingerprints) > 0 {
		w.field(&open, d, `"partialFingerprints": `)
		w.stringMap(r.PartialFingerprints, d+1)
	}
	if r.OccurrenceCount != 0 {
		w.field(&open, d, `"occurrenceCount": `)
		w.integer(int64(r.OccurrenceCount))
	}
	if r.Properties != nil {
		w.field(&open, d, `"properties": `)
		w.write(w.rb)
		w.rb = w.rb[:0]
		if w.err == nil {
			w.err = w.results.Encode(lineStarts[1:1+2*(d+1)], r.Properties)
		}
	}
	w.end(open, d)
	w.write(w.rb)
	if cap(w.rb) > maxResultBuffer {
		w.rb = nil
	}
}

// message writes m as an object at depth.
func (w *Writer) message(m *Message, depth int) {
	open := false
	w.field(&open, depth, `"text": `)
	w.str(m.Text)
	w.optStr(&open, depth, `"markdown": `, m.Markdown)
	w.end(open, depth)
}

func (w *Writer) location(l *Location, depth int) {
	open := false
	if p := l.PhysicalLocation; p != nil {
		w.field(&open, depth, `"physicalLocation": `)
		pd := depth + 1
		popen := false
		w.field(&popen, pd, `"artifactLocation": `)
		w.artifactLocation(&p.ArtifactLocation, pd+1)
		if r := p.Region; r != nil {
			w.field(&popen, pd, `"region": `)
			ropen := false
			if r.StartLine != 0 {
				w.field(&ropen, pd+1, `"startLine": `)
				w.integer(int64(r.StartLine))
			}
			if r.EndLine != 0 {
				w.field(&ropen, pd+1, `"endLine": `)
				w.integer(int64(r.EndLine))
			}
			w.end(ropen, pd+1)
		}
		w.end(popen, pd)
	}
	if len(l.LogicalLocations) > 0 {
		w.field(&open, depth, `"logicalLocations": `)
		w.array(len(l.LogicalLocations), depth+1, func(i int) { w.logicalLocation(&l.LogicalLocations[i], depth+2) })
	}
	if l.Message != nil {
		w.field(&open, depth, `"message": `)
		w.message(l.Message, depth+1)
	}
	w.end(open, depth)
}

func (w *Writer) artifactLocation(a *ArtifactLocation, depth int) {
	open := false
	w.field(&open, depth, `"uri": `)
	w.str(a.URI)
	w.optStr(&open, depth, `"uriBaseId": `, a.URIBaseID)
	if a.Index != nil {
		w.field(&open, depth, `"index": `)
		w.integer(int64(*a.Index))
	}
	w.end(open, depth)
}

func (w *Writer) logicalLocation(l *LogicalLocation, depth int) {
	open := false
	w.optStr(&open, depth, `"name": `, l.Name)
	w.optStr(&open, depth, `"fullyQualifiedName": `, l.FullyQualifiedName)
	w.optStr(&open, depth, `"kind": `, l.Kind)
	w.end(open, depth)
}

// stringMap writes a non-empty map as an object at depth, its entries
// sorted by key, as encoding/json writes a map.
func (w *Writer) stringMap(m map[string]string, depth int) {
	w.keys = w.keys[:0]
	for k := range m {
		w.keys = append(w.keys, k)
	}
	slices.Sort(w.keys)
	w.rb = append(w.rb, '{')
	for i, k := range w.keys {
		if i > 0 {
			w.rb = append(w.rb, ',')
		}
		w.line(depth + 1)
		w.str(k)
		w.rb = append(w.rb, ": "...)
		w.str(m[k])
	}
	clear(w.keys) // keeps no key alive
	w.line(depth)
	w.rb = append(w.rb, '}')
}
