// Command tend is the self-healing infrastructure engine: one binary that
// ingests metrics, detects anomalies, raises insights and heals what an
// operator wrote a policy for. All behaviour lives in internal packages; main
// only hands the process arguments and signals to the command line.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tendhq/tend/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
