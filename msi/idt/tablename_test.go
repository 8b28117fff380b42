package idt

import (
	"errors"
	"strings"
	"testing"
)

func TestTableName(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\nA\tB\r\n", "Property"},
		{"\r\n1252\t_ForceCodepage\r\n", ForceCodepageTable},
		{"PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n", SummaryInformationTable},
	} {
		if got, err := TableName(strings.NewReader(tt.file)); err != nil || got != tt.want {
			t.Errorf("TableName(%q) = %q, %v; want %q", tt.file, got, err, tt.want)
		}
	}
	var e *Error
	if _, err := TableName(strings.NewReader("A\r\n")); !errors.As(err, &e) {
		t.Errorf("a one-line file: %v, want an *Error", err)
	}
}
