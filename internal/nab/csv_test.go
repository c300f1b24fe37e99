package nab

import (
	"strings"
	"testing"
)

func TestReadSeries(t *testing.T) {
	for _, tc := range []struct {
		name, in, err string
		n             int
	}{
		{"ok", "timestamp,value\n2014-07-01 00:00:00,10844\n2014-07-01 00:30:00,8127.5\n", "", 2},
		{"columns by name", "value,timestamp,extra\n1,2014-07-01 00:00:00,x\n", "", 1},
		{"fractional seconds", "timestamp,value\n2014-07-01 00:00:00.000000,1\n", "", 1},
		{"header only", "timestamp,value\n", "", 0},
		{"empty", "", "empty file", 0},
		{"no value column", "timestamp,v\n", `need columns "timestamp" and "value"`, 0},
		{"bad time", "timestamp,value\n2014-07-01T00:00:00,1\n", "line 2: timestamp", 0},
		{"bad value", "timestamp,value\n2014-07-01 00:00:00,abc\n", "line 2: value \"abc\"", 0},
		{"nan", "timestamp,value\n2014-07-01 00:00:00,NaN\n", "want a finite number", 0},
		{"short row", "timestamp,value\n2014-07-01 00:00:00\n", "line 2", 0},
		{"long line", "timestamp,value\n" + strings.Repeat("9", maxLine+10) + "\n", "longer than", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ReadSeries(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tc.n || len(s.Times) != tc.n {
				t.Fatalf("%d rows, want %d", s.Len(), tc.n)
			}
		})
	}
}

func TestReadScores(t *testing.T) {
	got, err := ReadScores(strings.NewReader("timestamp,value,anomaly_score,label\nx,1,0.25,0\ny,2,1,1\n"))
	if err != nil || len(got) != 2 || got[0] != 0.25 || got[1] != 1 {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := ReadScores(strings.NewReader("timestamp,score\n")); err == nil || !strings.Contains(err.Error(), "anomaly_score") {
		t.Fatalf("missing column: err = %v", err)
	}
	if _, err := ReadScores(strings.NewReader("anomaly_score\n0.1\nInf\n")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("inf: err = %v", err)
	}
}

func FuzzReadSeries(f *testing.F) {
	f.Add("timestamp,value\n2014-07-01 00:00:00,10844\n2014-07-01 00:30:00,8127\n")
	f.Add("value,timestamp\n1e300,2014-07-01 00:00:00.5\n")
	f.Add("timestamp,value\n\"2014-07-01 00:00:00\",\"1\"\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ReadSeries(strings.NewReader(in))
		if err != nil {
			if s != nil {
				t.Fatal("series returned with an error")
			}
			return
		}
		if len(s.Times) != len(s.Values) {
			t.Fatalf("%d times, %d values", len(s.Times), len(s.Values))
		}
	})
}

func FuzzReadScores(f *testing.F) {
	f.Add("timestamp,value,anomaly_score,label\nx,1,0.25,0\n")
	f.Add("anomaly_score\n0.0\n1\n")
	f.Add("anomaly_score\n-0\n")
	f.Fuzz(func(t *testing.T, in string) {
		sc, err := ReadScores(strings.NewReader(in))
		if err != nil && sc != nil {
			t.Fatal("scores returned with an error")
		}
	})
}
