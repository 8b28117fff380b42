package winemsi

import (
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// ansi maps the Windows ANSI codepages to a locale whose LC_ALL makes it
// Wine's ANSI codepage (GetACP, checked under Wine 8.0) and to a decoder.
var ansi = map[int]struct {
	locale string
	enc    encoding.Encoding
}{
	874:  {"th_TH.UTF-8", charmap.Windows874},
	932:  {"ja_JP.UTF-8", japanese.ShiftJIS},
	936:  {"zh_CN.UTF-8", simplifiedchinese.GBK},
	949:  {"ko_KR.UTF-8", korean.EUCKR},
	950:  {"zh_TW.UTF-8", traditionalchinese.Big5},
	1250: {"pl_PL.UTF-8", charmap.Windows1250},
	1251: {"ru_RU.UTF-8", charmap.Windows1251},
	1252: {"en_US.UTF-8", charmap.Windows1252},
	1253: {"el_GR.UTF-8", charmap.Windows1253},
	1254: {"tr_TR.UTF-8", charmap.Windows1254},
	1255: {"he_IL.UTF-8", charmap.Windows1255},
	1256: {"ar_SA.UTF-8", charmap.Windows1256},
	1257: {"lt_LT.UTF-8", charmap.Windows1257},
	1258: {"vi_VN.UTF-8", charmap.Windows1258},
}

// ansiCodepage returns the ANSI codepage a tool process runs with when
// asked for cp: cp itself when Wine can run with it, else 1252.
func ansiCodepage(cp int) int {
	if _, ok := ansi[cp]; ok {
		return cp
	}
	return 1252
}

// localeFor returns the LC_ALL value that gives the tool process the ANSI
// codepage ansiCodepage(cp).
func localeFor(cp int) string { return ansi[ansiCodepage(cp)].locale }

// toUTF8 decodes text written in the ANSI codepage ansiCodepage(cp).
func toUTF8(b []byte, cp int) ([]byte, error) {
	return ansi[ansiCodepage(cp)].enc.NewDecoder().Bytes(b)
}
