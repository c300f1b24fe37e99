package owasp

import (
	"math"
	"strings"
	"testing"
)

const csv = `# test name, category, real vulnerability, cwe
T01,sqli,true,89
T02,sqli,true,89
T03,sqli,false,89
T04,sqli,false,89
T05,hash,true,328
T06,hash,false,328
`

func TestScore(t *testing.T) {
	cases, err := LoadExpected(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	rep := Reported{}
	rep.Add("testcode/T01.py", 89) // TP
	rep.Add("T03.py", 89)          // FP
	rep.Add("T02.py", 79)          // wrong CWE: not a hit
	rep.Add("x/T05.java", 327)     // broken crypto counts for weak hash
	tab := Score(cases, rep)
	sqli, _ := tab.Row("sqli")
	if sqli.TP != 1 || sqli.FN != 1 || sqli.FP != 1 || sqli.TN != 1 || sqli.Score() != 0 {
		t.Errorf("sqli %+v score %.2f", sqli, sqli.Score())
	}
	hash, _ := tab.Row("hash")
	if hash.Score() != 1 {
		t.Errorf("hash %+v", hash)
	}
	if m := tab.Mean(nil); math.Abs(m-0.5) > 1e-9 {
		t.Errorf("mean %.3f, want 0.5", m)
	}
	if m := tab.Mean(func(r Row) bool { return r.Category == "hash" }); m != 1 {
		t.Errorf("mean over hash %.3f", m)
	}
}

func TestLoadExpectedErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"T1,sqli,yes,89\n", `field "real vulnerability"`},
		{"T1,sqli,true,x\n", `field "cwe"`},
		{"T1,sqli\n", "want 4 fields"},
		{"# only a header\n", "no test cases"},
	} {
		if _, err := LoadExpected(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadExpected(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}
