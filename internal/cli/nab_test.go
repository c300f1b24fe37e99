package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/nab"
)

func nabDir(t *testing.T) string {
	t.Helper()
	dir := nab.FindDir(filepath.Join("..", "..", "..", "shared", "nab"), "/work/shared/nab")
	if dir == "" {
		t.Skip("NAB corpus not found (set TEND_NAB_DIR)")
	}
	return dir
}

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Execute(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestNABScoreReference(t *testing.T) {
	dir := nabDir(t)
	out, errs, code := run(t, "nab", "score", "--corpus", dir, "--results", filepath.Join(dir, "reference", "ARTime"), "--threshold", "0.317486", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if v, _ := got["standard"].(float64); math.Abs(v-74.85377223215792) > 1e-6 {
		t.Fatalf("ARTime standard = %v, want 74.85377223215792", got["standard"])
	}
	if _, ok := got["thresholds"].(map[string]any); !ok {
		t.Fatalf("no thresholds in %s", out)
	}
}

func TestNABRunAndScore(t *testing.T) {
	dir := nabDir(t)
	res := filepath.Join(t.TempDir(), "tend")
	out, errs, code := run(t, "nab", "run", "--corpus", dir, "--out", res)
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "58 files, 365558 rows") {
		t.Fatalf("run output: %s", out)
	}
	head, err := os.ReadFile(filepath.Join(res, "realKnownCause", "nyc_taxi.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(head), "timestamp,value,anomaly_score,label\n2014-07-01 00:00:00,10844,") {
		t.Fatalf("results file starts %q", string(head[:80]))
	}
	out, errs, code = run(t, "nab", "score", "--corpus", dir, "--results", res)
	if code != 0 {
		t.Fatalf("score: exit %d: %s", code, errs)
	}
	for _, want := range []string{"standard", "reward_low_FP_rate", "reward_low_FN_rate", "realTweets", "Per category"} {
		if !strings.Contains(out, want) {
			t.Errorf("score tables lack %q:\n%s", want, out)
		}
	}
}

func TestNABErrors(t *testing.T) {
	dir := nabDir(t)
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nab", "run", "--out", empty}, "--corpus and --out are required"},
		{[]string{"nab", "run", "--corpus", dir, "--out", empty, "--detector", "nope"}, "unknown detector"},
		{[]string{"nab", "score", "--corpus", empty, "--results", empty}, "load corpus"},
		{[]string{"nab", "score", "--corpus", dir, "--results", empty}, "no results for"},
		{[]string{"nab", "score", "--corpus", dir, "--results", filepath.Join(empty, "missing")}, "results directory"},
	} {
		_, errs, code := run(t, tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error with %q", tc.args, code, errs, tc.want)
		}
	}
}
