package msi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/msikit/msikit/cfb"
)

// SummaryInfoStream is the name of the stream holding the summary
// information property set.
const SummaryInfoStream = "\x05SummaryInformation"

// A PropertyID identifies one summary information property (a PID in the
// property set).
type PropertyID uint32

// The summary information properties Windows Installer defines. The comments
// give the meaning in an installer database; patches and transforms reuse
// some of them for other data.
const (
	PIDCodepage    PropertyID = 1  // codepage of the property set's strings (VT_I2)
	PIDTitle       PropertyID = 2  // "Installation Database", "Patch", "Transform", ...
	PIDSubject     PropertyID = 3  // product name
	PIDAuthor      PropertyID = 4  // manufacturer
	PIDKeywords    PropertyID = 5  // keywords
	PIDComments    PropertyID = 6  // description
	PIDTemplate    PropertyID = 7  // platform and languages: "Intel;1033"
	PIDLastAuthor  PropertyID = 8  // last author; for transforms and patches: target data
	PIDRevision    PropertyID = 9  // package code GUID ("revision number")
	PIDEditTime    PropertyID = 10 // edit time (a FILETIME)
	PIDLastPrinted PropertyID = 11 // time of the last administrative install
	PIDCreated     PropertyID = 12 // creation time
	PIDLastSaved   PropertyID = 13 // time of the last save
	PIDPageCount   PropertyID = 14 // minimum installer version ("Version" in msiinfo)
	PIDWordCount   PropertyID = 15 // source image flags ("Source" in msiinfo)
	PIDCharCount   PropertyID = 16 // transform validation flags ("Restrict" in msiinfo)
	PIDThumbnail   PropertyID = 17 // thumbnail (VT_CF), unused by Windows Installer
	PIDAppName     PropertyID = 18 // name of the creating application
	PIDSecurity    PropertyID = 19 // read-only recommendation (0, 2, 4)
)

var pidNames = map[PropertyID]string{
	PIDCodepage: "Codepage", PIDTitle: "Title", PIDSubject: "Subject", PIDAuthor: "Author",
	PIDKeywords: "Keywords", PIDComments: "Comments", PIDTemplate: "Template",
	PIDLastAuthor: "LastAuthor", PIDRevision: "RevisionNumber", PIDEditTime: "EditTime",
	PIDLastPrinted: "LastPrinted", PIDCreated: "Created", PIDLastSaved: "LastSaved",
	PIDPageCount: "PageCount", PIDWordCount: "WordCount", PIDCharCount: "CharCount",
	PIDThumbnail: "Thumbnail", PIDAppName: "AppName", PIDSecurity: "Security",
}

// String returns the property's name ("Title", "Created", ...), or "PID<n>"
// for an identifier outside the summary information set.
func (id PropertyID) String() string {
	if s, ok := pidNames[id]; ok {
		return s
	}
	return "PID" + strconv.FormatUint(uint64(id), 10)
}

// PropType is a property's variant type (a VT_ code in the property set).
type PropType uint16

// The property types found in summary information. Other VT_ codes are
// kept as raw bytes (Property.Raw) and written back unchanged.
const (
	PropEmpty     PropType = 0  // VT_EMPTY
	PropInt16     PropType = 2  // VT_I2
	PropInt32     PropType = 3  // VT_I4
	PropString    PropType = 30 // VT_LPSTR, in the property set's codepage
	PropFiletime  PropType = 64 // VT_FILETIME
	PropClipboard PropType = 71 // VT_CF (thumbnails)
)

// String returns the VT_ name of t.
func (t PropType) String() string {
	switch t {
	case PropEmpty:
		return "VT_EMPTY"
	case PropInt16:
		return "VT_I2"
	case PropInt32:
		return "VT_I4"
	case PropString:
		return "VT_LPSTR"
	case PropFiletime:
		return "VT_FILETIME"
	case PropClipboard:
		return "VT_CF"
	}
	return "VT(" + strconv.Itoa(int(t)) + ")"
}

// A Property is one summary information property with its exact stored type.
type Property struct {
	ID   PropertyID
	Type PropType
	// Int holds PropInt32 values, and PropInt16 values as the unsigned
	// 16-bit number (so codepage 65001 reads 65001, as Windows uses it).
	Int int32
	// Time holds PropFiletime values, exactly as stored.
	Time cfb.Filetime
	// Str holds PropString values decoded from the property set's
	// codepage, up to the first NUL.
	Str string
	// Raw holds the exact stored bytes: for PropString the characters in
	// the property set's codepage up to (not including) the first NUL; for
	// other types except PropInt16, PropInt32 and PropFiletime, the whole
	// value after the 4-byte type field.
	Raw []byte

	// rawString is the exact stored VT_LPSTR payload, including the
	// terminator and anything after it, for byte-exact re-encoding.
	rawString []byte
	// pad is the 16-bit word stored after the VT code (normally zero).
	pad uint16
	// padI2 is the 16-bit word after a VT_I2 value (normally zero).
	padI2 uint16
}

// Text returns the property's value as msiinfo prints it in an exported
// _SummaryInformation table: decimal integers, FILETIMEs as
// "YYYY/MM/DD hh:mm:ss" in UTC, strings as their stored bytes (in the
// property set's codepage, not converted). Other types give "".
func (p Property) Text() string {
	switch p.Type {
	case PropInt16, PropInt32:
		return strconv.FormatInt(int64(p.Int), 10)
	case PropFiletime:
		return FormatFiletime(p.Time)
	case PropString:
		return string(p.Raw)
	}
	return ""
}

// FormatFiletime formats ft as "YYYY/MM/DD hh:mm:ss" in UTC, the form the
// _SummaryInformation IDT table uses, dropping fractions of a second.
func FormatFiletime(ft cfb.Filetime) string {
	return filetimeToTime(ft).Format("2006/01/02 15:04:05")
}

// filetimeToTime converts whole seconds of ft to UTC, including ft == 0
// (1601-01-01), which cfb.Filetime.Time reserves for "no time".
func filetimeToTime(ft cfb.Filetime) time.Time {
	const epochDiff = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	sec := int64(uint64(ft)/10000000) - epochDiff
	return time.Unix(sec, 0).UTC()
}

// ParseFiletime parses "YYYY/MM/DD hh:mm:ss" (UTC), the form FormatFiletime
// writes and _SummaryInformation IDT files hold. The year may have five
// digits: a FILETIME reaches the year 60056, and FormatFiletime writes
// such years in full.
func ParseFiletime(s string) (cfb.Filetime, error) {
	bad := fmt.Errorf("msi: invalid summary information time %q (want YYYY/MM/DD hh:mm:ss)", s)
	year, rest, _ := strings.Cut(s, "/")
	if len(year) == 5 && strings.Trim(year, "0123456789") == "" {
		// time's layouts take four-digit years: parse the rest in a
		// leap year and check the day exists in this one.
		y, _ := strconv.Atoi(year)
		t, err := time.ParseInLocation("2006/01/02 15:04:05", "2000/"+rest, time.UTC)
		if err != nil {
			return 0, bad
		}
		u := time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
		if u.Day() != t.Day() {
			return 0, bad
		}
		return filetimeOf(s, u)
	}
	t, err := time.ParseInLocation("2006/01/02 15:04:05", s, time.UTC)
	if err != nil {
		return 0, bad
	}
	return filetimeOf(s, t)
}

// filetimeOf is the FILETIME of t, or an error naming s when t is
// outside the range a FILETIME holds.
func filetimeOf(s string, t time.Time) (cfb.Filetime, error) {
	const epochDiff = 11644473600
	sec := t.Unix() + epochDiff
	if sec < 0 {
		return 0, fmt.Errorf("msi: summary information time %q is before 1601", s)
	}
	if uint64(sec) > math.MaxUint64/10000000 {
		return 0, fmt.Errorf("msi: summary information time %q is past the last a FILETIME holds (60056/05/28 05:36:10)", s)
	}
	return cfb.Filetime(uint64(sec) * 10000000), nil
}

// fmtidSummaryInformation is FMTID_SummaryInformation
// {F29F85E0-4FF9-1068-AB91-08002B27B3D9} in its on-disk layout.
var fmtidSummaryInformation = [16]byte{0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10, 0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3, 0xd9}

// maxSummaryInfoSize bounds the property set we decode. Real ones are a
// few hundred bytes; thumbnails can make them larger.
const maxSummaryInfoSize = 16 << 20

// maxSharedValueBytes is how far the sizes of a section's property values
// may add up past the section's own size: values that several property
// ids share, or that overlap, count once per property. Real property sets
// never share values; the allowance keeps a writer that shares a few short
// ones readable while bounding what a shared value can cost.
const maxSharedValueBytes = 64 << 10

// maxSummaryProperties bounds the properties of the section we decode.
// Windows Installer defines 19 and real sets hold about 15; each costs
// a few hundred bytes decoded and printed, so 400,000 of them (4 bytes
// of value each, 4.8 MB) took every command reading them 160-210 MiB.
const maxSummaryProperties = 4096

// SummaryInfo is a decoded summary information property set: the typed
// properties of its first section, plus everything needed to write it back
// unchanged (header fields, further sections, unknown property types).
//
// The zero value is not valid; use NewSummaryInfo, ParseSummaryInfo or
// (*Database).SummaryInfo.
type SummaryInfo struct {
	props []Property // in stored order

	byteOrder uint16
	version   uint16
	systemID  uint32
	clsid     [16]byte
	fmtid     [16]byte
	// extra holds the FMTIDs and exact bytes of sections after the first.
	extra []rawSection
}

type rawSection struct {
	fmtid [16]byte
	data  []byte
}

// NewSummaryInfo returns an empty property set with the header Windows
// Installer writes (format version 0, OS version 0x00020005 as libmsi
// writes, FMTID_SummaryInformation).
func NewSummaryInfo() *SummaryInfo {
	return &SummaryInfo{byteOrder: 0xFFFE, systemID: 0x00020005, fmtid: fmtidSummaryInformation}
}

func siErr(off int64, format string, args ...any) error {
	return &FormatError{Stream: SummaryInfoStream, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// ParseSummaryInfo decodes a summary information property set (the bytes
// of the \x05SummaryInformation stream). Errors match ErrFormat and name
// the stream and offset. A section may hold at most 4,096 properties
// (Windows Installer defines 19), whose values may add up to at most the
// size of their section plus 64 KiB: a set whose property ids share one
// value (or whose values overlap) beyond that is refused, since each
// property holds its own copy.
func ParseSummaryInfo(b []byte) (*SummaryInfo, error) {
	if len(b) > maxSummaryInfoSize {
		return nil, siErr(0, "property set of %d bytes exceeds the %d-byte limit", len(b), maxSummaryInfoSize)
	}
	if len(b) < 28 {
		return nil, siErr(0, "property set header truncated (%d bytes)", len(b))
	}
	le := binary.LittleEndian
	si := &SummaryInfo{
		byteOrder: le.Uint16(b[0:]),
		version:   le.Uint16(b[2:]),
		systemID:  le.Uint32(b[4:]),
	}
	copy(si.clsid[:], b[8:24])
	if si.byteOrder != 0xFFFE {
		return nil, siErr(0, "byte order mark %#04x, want 0xfffe", si.byteOrder)
	}
	nsets := le.Uint32(b[24:])
	if nsets < 1 || nsets > 2 || 28+int64(nsets)*20 > int64(len(b)) {
		return nil, siErr(24, "invalid section count %d", nsets)
	}
	type secRef struct {
		fmtid [16]byte
		off   uint32
	}
	refs := make([]secRef, nsets)
	for i := range refs {
		p := 28 + i*20
		copy(refs[i].fmtid[:], b[p:p+16])
		refs[i].off = le.Uint32(b[p+16:])
	}
	si.fmtid = refs[0].fmtid
	if si.fmtid != fmtidSummaryInformation {
		return nil, siErr(28, "first section is not FMTID_SummaryInformation")
	}
	secs := make([][]byte, nsets)
	for i, r := range refs {
		off := int64(r.off)
		if off < 28+int64(nsets)*20 || off+8 > int64(len(b)) {
			return nil, siErr(int64(28+i*20+16), "section offset %d out of range", r.off)
		}
		size := int64(le.Uint32(b[off:]))
		if size < 8 || off+size > int64(len(b)) {
			return nil, siErr(off, "section size %d exceeds the stream (%d bytes)", size, len(b))
		}
		secs[i] = b[off : off+size]
	}
	for i := 1; i < len(refs); i++ {
		si.extra = append(si.extra, rawSection{fmtid: refs[i].fmtid, data: bytes.Clone(secs[i])})
	}
	sec, base := secs[0], int64(refs[0].off)
	n := le.Uint32(sec[4:])
	if int64(n) > (int64(len(sec))-8)/8 {
		return nil, siErr(base+4, "property count %d exceeds the section size %d", n, len(sec))
	}
	type idOff struct {
		id  PropertyID
		off uint32
	}
	ids := make([]idOff, n)
	for i := range ids {
		p := 8 + i*8
		ids[i] = idOff{PropertyID(le.Uint32(sec[p:])), le.Uint32(sec[p+4:])}
	}
	// First pass: the codepage, so strings can be decoded in any order.
	cp := 0
	for _, e := range ids {
		if e.id == PIDCodepage && int64(e.off)+8 <= int64(len(sec)) && le.Uint16(sec[e.off:]) == uint16(PropInt16) {
			cp = int(le.Uint16(sec[e.off+4:]))
		}
	}
	// Values may not share or overlap bytes beyond a small allowance:
	// thousands of ids pointing at one large string would otherwise cost
	// a copy each (and as much again in every export of them).
	valueBudget := int64(len(sec)) + maxSharedValueBytes
	seen := make(map[PropertyID]bool, min(n, maxSummaryProperties))
	// The properties' offsets in order, once a value of an opaque type
	// needs the next one for its end.
	var offs []uint32
	for _, e := range ids {
		// Checked as the properties are decoded, so that a set refused
		// for its shared values says so whatever its count.
		if len(si.props) == maxSummaryProperties {
			return nil, siErr(base+4, "property count %d exceeds the limit of %d", n, maxSummaryProperties)
		}
		off := int64(e.off)
		at := base + off
		if off < 8+int64(n)*8 || off+4 > int64(len(sec)) {
			return nil, siErr(base+8, "property %s offset %d outside its section", e.id, e.off)
		}
		if seen[e.id] {
			return nil, siErr(at, "property %s stored twice", e.id)
		}
		seen[e.id] = true
		p := Property{ID: e.id, Type: PropType(le.Uint16(sec[off:])), pad: le.Uint16(sec[off+2:])}
		v := sec[off+4:]
		switch p.Type {
		case PropInt16:
			if len(v) < 4 {
				return nil, siErr(at, "property %s: VT_I2 value truncated", e.id)
			}
			p.Int = int32(le.Uint16(v))
			p.padI2 = le.Uint16(v[2:])
		case PropInt32:
			if len(v) < 4 {
				return nil, siErr(at, "property %s: VT_I4 value truncated", e.id)
			}
			p.Int = int32(le.Uint32(v))
		case PropFiletime:
			if len(v) < 8 {
				return nil, siErr(at, "property %s: VT_FILETIME value truncated", e.id)
			}
			p.Time = cfb.Filetime(le.Uint64(v))
		case PropString:
			if len(v) < 4 {
				return nil, siErr(at, "property %s: VT_LPSTR length truncated", e.id)
			}
			size := le.Uint32(v)
			if int64(size) > int64(len(v))-4 {
				return nil, siErr(at+4, "property %s: string of %d bytes exceeds the section", e.id, size)
			}
			if valueBudget -= 8 + int64(size); valueBudget < 0 {
				return nil, siErr(at, "property %s: the property values add up to more than the %d-byte section holds (values shared by several properties or overlapping)", e.id, len(sec))
			}
			p.rawString = bytes.Clone(v[4 : 4+size])
			s := p.rawString
			if i := bytes.IndexByte(s, 0); i >= 0 {
				s = s[:i]
			}
			p.Raw = s
			p.Str = decodeSummaryString(cp, s)
		default:
			// Unknown or opaque (VT_CF, ...): keep the bytes up to the next
			// property or the end of the section.
			if offs == nil {
				offs = make([]uint32, len(ids))
				for i, o := range ids {
					offs[i] = o.off
				}
				slices.Sort(offs)
			}
			end := int64(len(sec))
			if i, _ := slices.BinarySearch(offs, uint32(off+4)); i < len(offs) && int64(offs[i]) < end {
				end = int64(offs[i])
			}
			if valueBudget -= end - off; valueBudget < 0 {
				return nil, siErr(at, "property %s: the property values add up to more than the %d-byte section holds (values shared by several properties or overlapping)", e.id, len(sec))
			}
			p.Raw = bytes.Clone(sec[off+4 : end])
		}
		si.props = append(si.props, p)
	}
	return si, nil
}

// Properties returns the properties in stored order.
func (si *SummaryInfo) Properties() []Property {
	return append([]Property(nil), si.props...)
}

// Get returns the property id and whether it is present.
func (si *SummaryInfo) Get(id PropertyID) (Property, bool) {
	for _, p := range si.props {
		if p.ID == id {
			return p, true
		}
	}
	return Property{}, false
}

// String returns the decoded string property id, or "" when it is absent
// or not a string.
func (si *SummaryInfo) String(id PropertyID) string {
	p, ok := si.Get(id)
	if !ok || p.Type != PropString {
		return ""
	}
	return p.Str
}

// Int returns the integer property id and whether it is present as an
// integer.
func (si *SummaryInfo) Int(id PropertyID) (int32, bool) {
	p, ok := si.Get(id)
	if !ok || (p.Type != PropInt16 && p.Type != PropInt32) {
		return 0, false
	}
	return p.Int, true
}

// Filetime returns the FILETIME property id and whether it is present as
// a FILETIME.
func (si *SummaryInfo) Filetime(id PropertyID) (cfb.Filetime, bool) {
	p, ok := si.Get(id)
	if !ok || p.Type != PropFiletime {
		return 0, false
	}
	return p.Time, true
}

// Codepage returns the property set's codepage (PIDCodepage), or 0.
func (si *SummaryInfo) Codepage() int {
	n, _ := si.Int(PIDCodepage)
	return int(n)
}

// Type returns the type Windows Installer stores property id with, or
// PropEmpty for an id it does not define.
func (id PropertyID) Type() PropType {
	switch id {
	case PIDCodepage:
		return PropInt16
	case PIDTitle, PIDSubject, PIDAuthor, PIDKeywords, PIDComments, PIDTemplate,
		PIDLastAuthor, PIDRevision, PIDAppName:
		return PropString
	case PIDEditTime, PIDLastPrinted, PIDCreated, PIDLastSaved:
		return PropFiletime
	case PIDPageCount, PIDWordCount, PIDCharCount, PIDSecurity:
		return PropInt32
	case PIDThumbnail:
		return PropClipboard
	}
	return PropEmpty
}

// ErrPropertyType is returned (wrapped) when a summary information edit
// gives a value of the wrong type for the property.
var ErrPropertyType = errors.New("msi: wrong type for summary information property")

func (si *SummaryInfo) set(p Property) {
	for i := range si.props {
		if si.props[i].ID == p.ID {
			si.props[i] = p
			return
		}
	}
	si.props = append(si.props, p)
}

// SetRawCodepage sets PIDCodepage to cp without re-encoding the string
// properties: their stored bytes are kept and are read in codepage cp
// from then on, as msibuild does when it imports a _SummaryInformation
// IDT file. SetInt(PIDCodepage, cp) re-encodes them instead. The
// property is 16 bits: cp is stored as its low 16 bits (callers check
// the range, as SetInt does: -32768 to 65535).
func (si *SummaryInfo) SetRawCodepage(cp int) {
	si.set(Property{ID: PIDCodepage, Type: PropInt16, Int: int32(cp) & 0xFFFF})
}

// SetString sets the string property id, encoding s in the property set's
// codepage. It fails for properties that are not strings and for text the
// codepage cannot represent.
func (si *SummaryInfo) SetString(id PropertyID, s string) error {
	if id.Type() != PropString {
		return fmt.Errorf("%w: %s is %s, not a string", ErrPropertyType, id, id.Type())
	}
	raw, err := encodeSummaryString(si.Codepage(), s)
	if err != nil {
		return fmt.Errorf("msi: summary information %s: %w", id, err)
	}
	si.set(Property{ID: id, Type: PropString, Str: s, Raw: raw})
	return nil
}

// SetRawString sets the string property id to exactly the bytes b (in the
// property set's codepage, without a terminator). b must not contain NUL.
func (si *SummaryInfo) SetRawString(id PropertyID, b []byte) error {
	if id.Type() != PropString {
		return fmt.Errorf("%w: %s is %s, not a string", ErrPropertyType, id, id.Type())
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return fmt.Errorf("msi: summary information %s: string contains NUL", id)
	}
	b = bytes.Clone(b)
	si.set(Property{ID: id, Type: PropString, Str: decodeSummaryString(si.Codepage(), b), Raw: b})
	return nil
}

// SetInt sets the integer property id (PIDCodepage as VT_I2, the counts and
// PIDSecurity as VT_I4). Changing the codepage re-encodes the string
// properties and fails if one cannot be represented in the new codepage.
func (si *SummaryInfo) SetInt(id PropertyID, n int32) error {
	t := id.Type()
	if t != PropInt16 && t != PropInt32 {
		return fmt.Errorf("%w: %s is %s, not an integer", ErrPropertyType, id, t)
	}
	if t == PropInt16 && (n < -32768 || n > 65535) {
		return fmt.Errorf("msi: summary information %s: %d does not fit in 16 bits", id, n)
	}
	if t == PropInt16 && n < 0 {
		n &= 0xFFFF
	}
	if id == PIDCodepage && int(n) != si.Codepage() {
		reenc := make([]Property, 0, len(si.props))
		for _, p := range si.props {
			if p.Type != PropString {
				continue
			}
			raw, err := encodeSummaryString(int(n), p.Str)
			if err != nil {
				return fmt.Errorf("msi: summary information %s in codepage %d: %w", p.ID, n, err)
			}
			reenc = append(reenc, Property{ID: p.ID, Type: PropString, Str: p.Str, Raw: raw})
		}
		for _, p := range reenc {
			si.set(p)
		}
	}
	si.set(Property{ID: id, Type: t, Int: n})
	return nil
}

// SetFiletime sets the FILETIME property id.
func (si *SummaryInfo) SetFiletime(id PropertyID, ft cfb.Filetime) error {
	if id.Type() != PropFiletime {
		return fmt.Errorf("%w: %s is %s, not a FILETIME", ErrPropertyType, id, id.Type())
	}
	si.set(Property{ID: id, Type: PropFiletime, Time: ft})
	return nil
}

// SetTime sets the FILETIME property id to t (truncated to 100 ns).
func (si *SummaryInfo) SetTime(id PropertyID, t time.Time) error {
	const epochDiff = 11644473600
	sec := t.Unix() + epochDiff
	if sec < 0 {
		return fmt.Errorf("msi: summary information %s: time %v is before 1601", id, t)
	}
	return si.SetFiletime(id, cfb.Filetime(uint64(sec)*10000000+uint64(t.Nanosecond()/100)))
}

// Delete removes property id and reports whether it was present.
func (si *SummaryInfo) Delete(id PropertyID) bool {
	for i := range si.props {
		if si.props[i].ID == id {
			si.props = append(si.props[:i], si.props[i+1:]...)
			return true
		}
	}
	return false
}

// encodedValue returns the bytes of p after its section offset: type,
// padding and value, padded to a multiple of 4.
func (p *Property) encodedValue() []byte {
	le := binary.LittleEndian
	var b []byte
	b = le.AppendUint16(b, uint16(p.Type))
	b = le.AppendUint16(b, p.pad)
	switch p.Type {
	case PropInt16:
		b = le.AppendUint16(b, uint16(p.Int))
		b = le.AppendUint16(b, p.padI2)
	case PropInt32:
		b = le.AppendUint32(b, uint32(p.Int))
	case PropFiletime:
		b = le.AppendUint64(b, uint64(p.Time))
	case PropString:
		s := p.rawString
		if s == nil || !bytes.HasPrefix(s, p.Raw) {
			s = append(bytes.Clone(p.Raw), 0)
		}
		b = le.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	default:
		b = append(b, p.Raw...)
	}
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// MarshalBinary encodes the property set: the header and sections as
// stored, with the first section rebuilt from the properties in order.
// A set decoded by ParseSummaryInfo and not edited encodes to the same
// bytes when its layout was canonical (values packed in order, 4-byte
// aligned), as Windows Installer and msitools write it.
func (si *SummaryInfo) MarshalBinary() ([]byte, error) {
	le := binary.LittleEndian
	vals := make([][]byte, len(si.props))
	secSize := 8 + 8*len(si.props)
	for i := range si.props {
		vals[i] = si.props[i].encodedValue()
		secSize += len(vals[i])
	}
	nsets := 1 + len(si.extra)
	var b []byte
	b = le.AppendUint16(b, si.byteOrder)
	b = le.AppendUint16(b, si.version)
	b = le.AppendUint32(b, si.systemID)
	b = append(b, si.clsid[:]...)
	b = le.AppendUint32(b, uint32(nsets))
	off := 28 + 20*nsets
	b = append(b, si.fmtid[:]...)
	b = le.AppendUint32(b, uint32(off))
	off += secSize
	for _, x := range si.extra {
		b = append(b, x.fmtid[:]...)
		b = le.AppendUint32(b, uint32(off))
		off += len(x.data)
	}
	b = le.AppendUint32(b, uint32(secSize))
	b = le.AppendUint32(b, uint32(len(si.props)))
	voff := 8 + 8*len(si.props)
	for i, p := range si.props {
		b = le.AppendUint32(b, uint32(p.ID))
		b = le.AppendUint32(b, uint32(voff))
		voff += len(vals[i])
	}
	for _, v := range vals {
		b = append(b, v...)
	}
	for _, x := range si.extra {
		b = append(b, x.data...)
	}
	return b, nil
}

// readSummaryInfo reads and decodes the property set from r (size bytes).
func readSummaryInfo(r io.ReaderAt, size int64) (*SummaryInfo, error) {
	if size > maxSummaryInfoSize {
		return nil, siErr(0, "property set of %d bytes exceeds the %d-byte limit", size, maxSummaryInfoSize)
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && !(err == io.EOF) {
		return nil, &FormatError{Stream: SummaryInfoStream, Msg: "read failed", Err: err}
	}
	return ParseSummaryInfo(b)
}

// SummaryInfo reads the package's summary information. A package without
// the \x05SummaryInformation stream gives an empty set (NewSummaryInfo).
// Errors match ErrFormat and name the stream.
func (db *Database) SummaryInfo() (*SummaryInfo, error) {
	db.mu.Lock()
	found := db.hasStream(SummaryInfoStream)
	db.mu.Unlock()
	if !found {
		return NewSummaryInfo(), nil
	}
	if r, size, ok := db.pendingStream(SummaryInfoStream); ok {
		return readSummaryInfo(r, size)
	}
	st, err := db.OpenStream(SummaryInfoStream)
	if err != nil {
		return nil, err
	}
	return readSummaryInfo(st, st.Size())
}

// pendingStream returns the data given to SetStream for name, which
// OpenStream does not serve before the database is written.
func (db *Database) pendingStream(name string) (io.ReaderAt, int64, bool) {
	db.mu.Lock()
	defer db.mu.Unlock()
	o, ok := db.overlay[name]
	if !ok || o.deleted || o.r == nil {
		return nil, 0, false
	}
	return o.r, o.size, true
}

// SetSummaryInfo encodes si and stores it as the \x05SummaryInformation
// stream (written when the database is saved). A Revision Number that
// differs from the current one counts as a PackageCode the caller chose:
// a later write keeps it (see WriteOptions.KeepPackageCode).
func (db *Database) SetSummaryInfo(si *SummaryInfo) error {
	b, err := si.MarshalBinary()
	if err != nil {
		return err
	}
	cur, err := db.SummaryInfo()
	changedCode := err != nil || cur.String(PIDRevision) != si.String(PIDRevision)
	if err := db.SetStream(SummaryInfoStream, bytes.NewReader(b), int64(len(b))); err != nil {
		return err
	}
	if changedCode {
		db.packageCodeSet = true
	}
	return nil
}
