// Package cli is tend's command line: the cobra command tree behind the tend
// binary. Each command lives in a file of its own and only translates flags
// into calls on the packages that do the work (app, store, detect, ...).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Execute runs the tend command line with args (without the program name) and
// returns the process exit code. Errors are printed to stderr as one line.
func Execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := NewRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "tend: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// NewRoot builds the full command tree. Tests call it to run commands in-process.
func NewRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	return newRoot(stdin, stdout, stderr, os.LookupEnv)
}

// newRoot builds the tree reading environment variables through lookupEnv.
func newRoot(stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) *cobra.Command {
	g := &globals{lookupEnv: lookupEnv}
	root := &cobra.Command{
		Use:   "tend",
		Short: "Self-healing infrastructure: learn normal, raise insights, heal by policy",
		Long: `tend learns what normal looks like in a fleet's metrics, raises insights when
something is not normal, explains them, and heals what an operator wrote a
policy for — as code, safely, reversibly, with an audit trail.

Start it with no configuration at all:

  tend serve

and it keeps its state in ./tend-data (SQLite) and listens on 127.0.0.1:8080.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	g.bind(root)
	for _, add := range commands {
		root.AddCommand(add(g))
	}
	return root
}

// commands holds every top-level command's constructor. Each command's file
// registers itself, so adding a command touches no other file:
//
//	var _ = registerCommand(newFooCmd)
var commands []func(*globals) *cobra.Command

func registerCommand(f func(*globals) *cobra.Command) bool {
	commands = append(commands, f)
	return true
}
