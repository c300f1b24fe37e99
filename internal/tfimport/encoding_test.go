package tfimport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// States written by Windows PowerShell (`terraform show -json > f`,
// `terraform state pull > f`: UTF-16LE with a BOM and CRLF), by
// `Out-File -Encoding utf8` (a UTF-8 BOM) and UTF-16BE convert to exactly
// the golden template, resources file and report of their UTF-8 twins.
func TestConvertGoldenFromPowerShellEncodings(t *testing.T) {
	for _, fixture := range []string{"full.powershell-utf16le.tfstate", "full.powershell-utf16le.show.json", "full.utf16be.tfstate", "full.utf8bom.show.json"} {
		t.Run(fixture, func(t *testing.T) {
			res := convertFixture(t, fixture)
			tj, err := RenderTemplate(res.Template, false)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "full.template.json", tj)
			rj, err := RenderJSON(res.Imports)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "full.resources.json", rj)
			golden(t, "full.report.txt", []byte(report(res)))
		})
	}
}

func utf16le(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = []byte{0xFF, 0xFE}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func TestDecodeTextKeepsGarbageRefused(t *testing.T) {
	small, err := os.ReadFile("testdata/states/small.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	ciLog := "Run terraform show -json\r\n##[group]state\r\n" + string(small) + "\r\n##[endgroup]\r\n"
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"CI log with the state inside, UTF-16", utf16le(ciLog, true), "not a Terraform state (expected a JSON object"},
		{"CI log with the state inside, UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, ciLog...), "(read as UTF-8 with BOM)"},
		{"odd length", append(utf16le(`{"version":4}`, true), '}'), "odd number of bytes"},
		{"unpaired high surrogate", append(utf16le(`{"version":4,"a":"`, true), 0x00, 0xD8, '"', 0, '}', 0), "unpaired surrogate at byte"},
		{"lone low surrogate", append(utf16le(`{"x":"`, true), 0x00, 0xDC), "unpaired surrogate"},
		{"NUL inside", append(utf16le(`{"version":4`, true), 0, 0, '}', 0), "NUL character"},
		{"UTF-32", append([]byte{0xFF, 0xFE, 0, 0}, '{', 0, 0, 0), "UTF-32"},
		{"UTF-16 of something else", utf16le(`{"hello":"world"}`, true), `no "version"`},
		{"UTF-16 truncated state", utf16le(string(small[:len(small)/2]), true), "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseState(tt.in)
			if err == nil || !errors.Is(err, ErrBadState) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrBadState saying %q", err, tt.want)
			}
		})
	}
}

func TestDecodeTextForms(t *testing.T) {
	small, _ := os.ReadFile("testdata/states/small.tfstate")
	want, err := ParseState(small)
	if err != nil {
		t.Fatal(err)
	}
	// A tag outside the BMP (a surrogate pair in UTF-16) survives.
	emoji := strings.Replace(string(small), `"version": 4`, `"version": 4, "x": "rocket 🚀 naïve"`, 1)
	for name, in := range map[string][]byte{
		"UTF-16LE without BOM": utf16le(string(small), false),
		"UTF-16LE, CRLF":       utf16le(strings.ReplaceAll(string(small), "\n", "\r\n"), true),
		"UTF-16LE, astral":     utf16le(emoji, true),
	} {
		got, err := ParseState(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got.Resources) != len(want.Resources) || got.Format != want.Format {
			t.Fatalf("%s: %d resources (%s), want %d (%s)", name, len(got.Resources), got.Format, len(want.Resources), want.Format)
		}
	}
}

// FuzzDecodeText: any text encoded as PowerShell would decodes back to the
// same text, and no input makes decodeText panic or return invalid UTF-8
// from UTF-16.
func FuzzDecodeText(f *testing.F) {
	f.Add([]byte(`{"version":4,"resources":[]}`))
	f.Add(utf16le("{\"version\":4}\r\n", true))
	f.Add([]byte{0xFE, 0xFF, 0, '{', 0xD8, 0x3D, 0xDE, 0x80})
	f.Add([]byte{0xFF, 0xFE, 0x00, 0xD8})
	f.Fuzz(func(t *testing.T, b []byte) {
		out, enc, err := decodeText(b)
		if err != nil {
			if !errors.Is(err, ErrBadState) {
				t.Fatalf("error does not wrap ErrBadState: %v", err)
			}
			return
		}
		if strings.HasPrefix(enc, "UTF-16") && !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 from %s: %q", enc, out)
		}
		if s := string(b); utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
			back, enc2, err := decodeText(utf16le(s, true))
			if err != nil || enc2 != "UTF-16LE" || !bytes.Equal(back, b) {
				t.Fatalf("round trip of %q: %q, %q, %v", s, back, enc2, err)
			}
		}
	})
}
