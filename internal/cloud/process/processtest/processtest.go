// Package processtest builds the demo service (package demosvc) for tests
// and writes product templates that run it with a chosen behaviour.
package processtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Build compiles the demo service into a temporary directory of the test
// and returns the binary's path.
func Build(t testing.TB) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(here), "..", "demosvc")
	bin := filepath.Join(t.TempDir(), "demosvc")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build demosvc: %v\n%s", err, out)
	}
	return bin
}

// Behaviour is how a version of the demo service behaves.
type Behaviour struct {
	ErrorRate  float64       // share of requests answered 500
	Latency    time.Duration // mean request time (default 20ms)
	Load       float64       // requests per second it sends itself (default 20)
	StartDelay time.Duration
	FailHealth bool // never becomes healthy
}

// Template is a product template (CloudFormation YAML with one
// Tend::Local::Process resource) running bin with behaviour b.
func Template(bin string, b Behaviour) []byte {
	if b.Latency == 0 {
		b.Latency = 20 * time.Millisecond
	}
	if b.Load == 0 {
		b.Load = 20
	}
	fail := "0"
	if b.FailHealth {
		fail = "1"
	}
	return []byte(fmt.Sprintf(`AWSTemplateFormatVersion: "2010-09-09"
Description: demo service (error rate %g, latency %s)
Resources:
  Service:
    Type: Tend::Local::Process
    Properties:
      Command: [%q]
      Env:
        VERSION: "{{version}}"
        ERROR_RATE: "%g"
        LATENCY: "%s"
        LOAD: "%g"
        START_DELAY: "%s"
        FAIL_HEALTH: "%s"
`, b.ErrorRate, b.Latency, bin, b.ErrorRate, b.Latency, b.Load, b.StartDelay, fail))
}
