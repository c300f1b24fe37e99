package gitcatalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// gitCmd is one invocation of the git CLI against the catalog repository.
type gitCmd struct {
	args  []string
	stdin []byte
	env   []string // extra environment, appended to the base
}

// userinfo matches credentials in a URL ("https://user:token@host").
var userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@`)

// redact removes credentials embedded in URLs from git's messages, so they
// never reach logs or API errors.
func redact(s string) string { return userinfo.ReplaceAllString(s, "${1}***@") }

// run executes git with the repository as GIT_DIR and returns stdout.
func (c *Catalog) run(ctx context.Context, g gitCmd) ([]byte, error) {
	args := append([]string{"--git-dir=" + c.cfg.Dir}, g.args...)
	cmd := exec.CommandContext(ctx, c.cfg.Git, args...)
	cmd.Env = append(os.Environ(),
		"GIT_TERMINAL_PROMPT=0", // never wait for a password on a terminal
		"LC_ALL=C",
		"GIT_CONFIG_PARAMETERS=", // no -c overrides inherited from a parent git
	)
	cmd.Env = append(cmd.Env, g.env...)
	if g.stdin != nil {
		cmd.Stdin = bytes.NewReader(g.stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	c.log.DebugContext(ctx, "git", "cmd", g.args[0], "duration", time.Since(start), "err", err)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("git %s: %w", g.args[0], ctx.Err())
		}
		msg := strings.TrimSpace(redact(stderr.String()))
		if msg == "" {
			msg = err.Error()
		}
		code := -1
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return stdout.Bytes(), &gitError{cmd: g.args[0], msg: msg, code: code}
	}
	return stdout.Bytes(), nil
}

// gitError is a failed git command with its (redacted) message.
type gitError struct {
	cmd, msg string
	code     int // exit status, -1 if git did not exit normally
}

func (e *gitError) Error() string { return "git " + e.cmd + ": " + e.msg }

// identity returns the author/committer environment for a new object.
func (c *Catalog) identity(now time.Time) []string {
	date := fmt.Sprintf("@%d +0000", now.Unix())
	return []string{
		"GIT_AUTHOR_NAME=" + c.cfg.AuthorName, "GIT_AUTHOR_EMAIL=" + c.cfg.AuthorEmail, "GIT_AUTHOR_DATE=" + date,
		"GIT_COMMITTER_NAME=" + c.cfg.AuthorName, "GIT_COMMITTER_EMAIL=" + c.cfg.AuthorEmail, "GIT_COMMITTER_DATE=" + date,
	}
}
