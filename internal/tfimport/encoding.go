package tfimport

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeText returns a state's bytes as UTF-8, and the encoding it was
// read from ("" for plain UTF-8). Windows PowerShell writes redirected
// output (`terraform show -json > state.json`, `terraform state pull >
// terraform.tfstate`) as UTF-16LE with a byte-order mark and CRLF line
// ends, and `Out-File -Encoding utf8` prefixes a UTF-8 BOM; both are
// decoded here. CRLF needs nothing: JSON treats CR as white space. UTF-16
// without a BOM is recognised by the NUL byte beside the first character
// of a JSON document. Text that claims UTF-16 but is not (odd length,
// unpaired surrogates) is refused naming where it breaks.
func decodeText(b []byte) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], "UTF-8 with BOM", nil
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}), bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return nil, "", fmt.Errorf("%w: the file is UTF-32 text; save it as UTF-8 (in PowerShell: `terraform show -json | Out-File -Encoding utf8 state.json`)", ErrBadState)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return utf16ToUTF8(b[2:], binary.LittleEndian, "UTF-16LE")
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return utf16ToUTF8(b[2:], binary.BigEndian, "UTF-16BE")
	case len(b) >= 4 && b[1] == 0 && b[3] == 0 && jsonStart(b[0]) && b[0] != 0:
		return utf16ToUTF8(b, binary.LittleEndian, "UTF-16LE")
	case len(b) >= 4 && b[0] == 0 && b[2] == 0 && jsonStart(b[1]) && b[1] != 0:
		return utf16ToUTF8(b, binary.BigEndian, "UTF-16BE")
	}
	return b, "", nil
}

// jsonStart reports whether c may begin a JSON document (after white space).
func jsonStart(c byte) bool {
	return c == '{' || c == '[' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

func utf16ToUTF8(b []byte, order binary.ByteOrder, name string) ([]byte, string, error) {
	if len(b)%2 != 0 {
		return nil, "", fmt.Errorf("%w: the file starts as %s text but has an odd number of bytes (%d after the byte-order mark): it is truncated or not text", ErrBadState, name, len(b))
	}
	out := make([]byte, 0, len(b)/2+len(b)/8)
	for i := 0; i < len(b); i += 2 {
		r := rune(order.Uint16(b[i:]))
		switch {
		case utf16.IsSurrogate(r):
			if r >= 0xDC00 || i+3 >= len(b) {
				return nil, "", fmt.Errorf("%w: invalid %s text: an unpaired surrogate at byte %d", ErrBadState, name, i)
			}
			r2 := rune(order.Uint16(b[i+2:]))
			r = utf16.DecodeRune(r, r2)
			if r == utf8.RuneError {
				return nil, "", fmt.Errorf("%w: invalid %s text: an unpaired surrogate at byte %d", ErrBadState, name, i)
			}
			i += 2
		case r == 0:
			return nil, "", fmt.Errorf("%w: %s text with a NUL character at byte %d: not a Terraform state", ErrBadState, name, i)
		}
		out = utf8.AppendRune(out, r)
	}
	return out, name, nil
}
