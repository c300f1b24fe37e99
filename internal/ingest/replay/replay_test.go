package replay_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/ingest/replay"
)

func read(t *testing.T, s string) ([]replay.Point, error) {
	t.Helper()
	var out []replay.Point
	err := replay.Read(strings.NewReader(s), func(p replay.Point) error { out = append(out, p); return nil })
	return out, err
}

func TestRead(t *testing.T) {
	ms := func(s string) int64 { tm, _ := time.Parse(time.RFC3339, s); return tm.UnixMilli() }
	tests := []struct {
		name string
		in   string
		want []replay.Point
	}{
		{"nab", "timestamp,value\n2014-04-01 00:00:00,19.76\n2014-04-01 00:05:00,20.5\n", []replay.Point{{ms("2014-04-01T00:00:00Z"), 19.76}, {ms("2014-04-01T00:05:00Z"), 20.5}}},
		{"rfc3339 no header", "2026-01-02T03:04:05Z,1\n2026-01-02T03:04:15+01:00,2\n", []replay.Point{{ms("2026-01-02T03:04:05Z"), 1}, {ms("2026-01-02T02:04:15Z"), 2}}},
		{"unix seconds", "1700000000,1.5\n1700000010.5,2\n", []replay.Point{{1700000000000, 1.5}, {1700000010500, 2}}},
		{"unix millis", "1700000000123,3\n", []replay.Point{{1700000000123, 3}}},
		{"named columns", "host,value,timestamp\nweb,7,1700000000\n", []replay.Point{{1700000000000, 7}}},
		{"blank lines and spaces", "\n1700000000, 4\n\n", []replay.Point{{1700000000000, 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("row %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		in, column, reason string
		line               int
	}{
		{"timestamp,value\n2014-04-01 00:00:00,x\n", "value", "not a finite number", 2},
		{"1700000000,1\nyesterday,2\n", "timestamp", "not a time", 2},
		{"1700000000,1\n1700000001\n", "row", "columns", 2},
		{"1700000000,NaN\n", "value", "finite", 1},
		{"1700000000,\"1\n", "row", "quote", 1},
	}
	for _, tt := range tests {
		_, err := read(t, tt.in)
		var re *replay.Error
		if !errors.As(err, &re) || re.Line != tt.line || re.Column != tt.column || !strings.Contains(re.Reason, tt.reason) {
			t.Errorf("%q: err = %v, want line %d %s %q", tt.in, err, tt.line, tt.column, tt.reason)
		}
	}
}

func TestNABFile(t *testing.T) {
	f, err := os.Open("testdata/nab_sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	if err := replay.Read(f, func(replay.Point) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 40 {
		t.Fatalf("read %d rows, want 40", n)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("timestamp,value\n2014-04-01 00:00:00,19.76\n")
	f.Add("1700000000,1\n")
	f.Add("a,\"b\n")
	f.Fuzz(func(t *testing.T, s string) {
		_ = replay.Read(strings.NewReader(s), func(p replay.Point) error {
			if p.Value != p.Value {
				t.Fatal("NaN value")
			}
			return nil
		})
	})
}
