package darwin

// A Match is a descriptor found in text: its byte offset and length, and
// what it names.
type Match struct {
	Offset, Len int
	Descriptor
}

// Find returns the descriptors in text (a log line, a registry export, a
// command line), at most max of them (max <= 0: no limit). A descriptor
// is recognised where it starts the text or follows a character that is
// not a base-85 digit, when its feature name is empty or an identifier
// (letters, digits, '_' and '.', as the Feature table's keys are). What
// follows a descriptor is not looked at (a component's 20 digits end it).
// The scan is linear in the text's length.
func Find(text string, max int) []Match {
	var out []Match
	for i := 0; i+GUIDLen < len(text); i++ {
		if i > 0 && digit[text[i-1]] >= 0 {
			continue
		}
		d, n, ok := parseAt(text, i)
		if !ok {
			continue
		}
		out = append(out, Match{Offset: i, Len: n, Descriptor: d})
		if max > 0 && len(out) >= max {
			break
		}
		i += n - 1
	}
	return out
}

// parseAt is Parse at text[i:] with Find's extra rules. It looks at most
// 20 + MaxFeatureLen + 21 bytes, so Find stays linear.
func parseAt(text string, i int) (Descriptor, int, bool) {
	for j := 0; j < GUIDLen; j++ {
		if digit[text[i+j]] < 0 {
			return Descriptor{}, 0, false
		}
	}
	rest := text[i+GUIDLen:]
	k := 0
	for k < len(rest) && k <= MaxFeatureLen && isIdentByte(rest[k]) {
		k++
	}
	if k >= len(rest) || k > MaxFeatureLen || rest[k] != '<' && rest[k] != '>' {
		return Descriptor{}, 0, false
	}
	end := i + GUIDLen + k + 1
	if rest[k] == '>' {
		end += GUIDLen
	}
	if end > len(text) {
		return Descriptor{}, 0, false
	}
	d, n, err := Parse(text[i:end])
	if err != nil || n != end-i {
		return Descriptor{}, 0, false
	}
	return d, n, true
}

func isIdentByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}
