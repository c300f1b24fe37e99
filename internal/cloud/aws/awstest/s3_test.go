package awstest

import (
	"strings"
	"testing"
)

func TestDecodeAWSChunked(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", "hello", ""},
		{"3;chunk-signature=abc\r\nfoo\r\n3;chunk-signature=def\r\nbar\r\n0;chunk-signature=0\r\n\r\n", "foobar", ""},
		{"zz\r\n", "", "bad chunk size"},
		{"5\r\nhel", "", "chunk data"},
		{"2\r\nhiXX0\r\n", "", "CRLF"},
		{"", "", "chunk header"},
	}
	for _, tt := range tests {
		got, trailers, err := decodeAWSChunked([]byte(tt.in))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("decode(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("decode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if strings.Contains(tt.in, "crc32") && trailers["x-amz-checksum-crc32"] != "AAAAAA==" {
			t.Errorf("trailers = %v", trailers)
		}
	}
}

func FuzzDecodeAWSChunked(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _, err := decodeAWSChunked(b)
		if err == nil && len(out) > len(b) {
			t.Fatalf("decoded %d bytes from %d", len(out), len(b))
		}
	})
}

func TestCRC32Base64(t *testing.T) {
	// crc32("hello") = 0x3610a686
	if got := crc32Base64([]byte("hello")); got != "NhCmhg==" {
		t.Errorf("crc32Base64(hello) = %s", got)
	}
}
