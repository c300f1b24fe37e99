package cli

import (
	"strings"
	"testing"
)

func TestBenchRemediation(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "bench", "remediation", "--hosts", "20", "--rate", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"60 (20 hosts × 3; nothing lost or duplicated)", "offered            unpaced", "sustained", "webhook → comment  p50"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := runCLI(t, nil, "bench", "remediation", "--rate", "-1"); code == 0 || !strings.Contains(errOut, "--rate must be 0") {
		t.Fatalf("--rate -1: exit %d, %s", code, errOut)
	}
}
