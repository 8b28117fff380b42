package msi

import (
	"fmt"
	"strings"

	"github.com/msikit/msikit/internal/clip"
)

// checkCondition checks the syntax of a Windows Installer conditional
// statement ("Conditional Statement Syntax" in the Windows Installer
// documentation): properties, %environment variables, $component,
// ?component, &feature and !feature symbols, "string" literals and integers,
// compared with = <> < > <= >= >< << >> (each may take a ~ prefix for a
// case-insensitive comparison), combined with NOT, AND, OR, XOR, EQV and
// IMP (any case) and parentheses. Only the syntax is checked, not that the
// symbols exist. An empty condition is valid (it is true).
func checkCondition(text string) error {
	p := condParser{s: text}
	p.skipSpace()
	if p.eof() {
		return nil
	}
	if err := p.expr(0); err != nil {
		return fmt.Errorf("%q is not a Condition: %w", clip.String(text), err)
	}
	p.skipSpace()
	if !p.eof() {
		return fmt.Errorf("%q is not a Condition: unexpected %q at %d", clip.String(text), clip.String(p.s[p.i:]), p.i)
	}
	return nil
}

// condParser is a recursive-descent parser over a condition string.
type condParser struct {
	s     string
	i     int
	depth int
}

// maxCondDepth bounds nesting (parentheses and NOT), so that a hostile
// value cannot exhaust the stack.
const maxCondDepth = 200

// The logical operators, loosest first: IMP, EQV, XOR, OR, AND.
var condLogical = []string{"IMP", "EQV", "XOR", "OR", "AND"}

func (p *condParser) eof() bool { return p.i >= len(p.s) }

func (p *condParser) skipSpace() {
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\r' || p.s[p.i] == '\n') {
		p.i++
	}
}

// keyword consumes the word w (any case) if it comes next as a whole word.
func (p *condParser) keyword(w string) bool {
	p.skipSpace()
	end := p.i + len(w)
	if end > len(p.s) || !strings.EqualFold(p.s[p.i:end], w) {
		return false
	}
	if end < len(p.s) && isCondWordByte(p.s[end]) {
		return false
	}
	p.i = end
	return true
}

func isCondWordByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80
}

// expr parses operands joined by the logical operators from level on.
func (p *condParser) expr(level int) error {
	if level == len(condLogical) {
		return p.factor()
	}
	if err := p.expr(level + 1); err != nil {
		return err
	}
	for p.keyword(condLogical[level]) {
		if err := p.expr(level + 1); err != nil {
			return err
		}
	}
	return nil
}

// factor is [NOT] term.
func (p *condParser) factor() error {
	if p.keyword("NOT") {
		if p.depth++; p.depth > maxCondDepth {
			return fmt.Errorf("nested more than %d deep", maxCondDepth)
		}
		defer func() { p.depth-- }()
		return p.factor()
	}
	return p.term()
}

// term is ( expression ) or value [op value].
func (p *condParser) term() error {
	p.skipSpace()
	if p.eof() {
		return fmt.Errorf("missing operand at the end")
	}
	if p.s[p.i] == '(' {
		if p.depth++; p.depth > maxCondDepth {
			return fmt.Errorf("nested more than %d deep", maxCondDepth)
		}
		defer func() { p.depth-- }()
		p.i++
		if err := p.expr(0); err != nil {
			return err
		}
		p.skipSpace()
		if p.eof() || p.s[p.i] != ')' {
			return fmt.Errorf("missing ) at %d", p.i)
		}
		p.i++
		return nil
	}
	if err := p.value(); err != nil {
		return err
	}
	if p.compareOp() {
		return p.value()
	}
	return nil
}

// compareOp consumes a comparison operator, with an optional ~ prefix.
func (p *condParser) compareOp() bool {
	p.skipSpace()
	start := p.i
	if !p.eof() && p.s[p.i] == '~' {
		p.i++
	}
	for _, op := range []string{"<>", "><", "<<", ">>", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(p.s[p.i:], op) {
			p.i += len(op)
			return true
		}
	}
	p.i = start
	return false
}

// value is a "literal", an integer or a symbol (with an optional % $ ? & !
// prefix).
func (p *condParser) value() error {
	p.skipSpace()
	if p.eof() {
		return fmt.Errorf("missing operand at the end")
	}
	switch c := p.s[p.i]; {
	case c == '"':
		end := strings.IndexByte(p.s[p.i+1:], '"')
		if end < 0 {
			return fmt.Errorf("unterminated string at %d", p.i)
		}
		p.i += end + 2
		return nil
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		p.i++
		for !p.eof() && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if p.s[start:p.i] == "-" {
			return fmt.Errorf("a lone - at %d", start)
		}
		return nil
	case c == '%' || c == '$' || c == '?' || c == '&' || c == '!':
		p.i++
	}
	start := p.i
	for !p.eof() && isCondWordByte(p.s[p.i]) {
		p.i++
	}
	if p.i == start {
		return fmt.Errorf("unexpected %q at %d", clip.String(p.s[start:]), start)
	}
	word := p.s[start:p.i]
	for _, kw := range append([]string{"NOT"}, condLogical...) {
		if strings.EqualFold(word, kw) {
			return fmt.Errorf("operator %s where an operand belongs at %d", word, start)
		}
	}
	return nil
}
