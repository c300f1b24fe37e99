package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/ingest/webhook"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate"
	"github.com/tendhq/tend/internal/remediate/policy"
)

var _ = registerCommand(newPolicyCmd)

// templateEditors returns the template editors in this build; tests
// replace it.
var templateEditors = app.TemplateEditors

func newPolicyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check remediation policies before deploying them",
		Long: `Remediation policies are YAML files (see docs/policies.md). validate checks a
directory of them; test shows what each would decide for a problem, step by
step, without changing anything.`,
	}
	validate := &cobra.Command{
		Use:     "validate DIR",
		Short:   "Load and check every policy file in DIR",
		Example: `  tend policy validate ./policies`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := policy.LoadDir(args[0])
			if err != nil {
				return fmt.Errorf("policies in %s are not valid:\n%w", args[0], err)
			}
			w := cmd.OutOrStdout()
			for _, p := range set.Policies {
				fmt.Fprintf(w, "%s:%d  %s  mode %s, %s on %d × %s within %s\n", p.File, p.Line, p.Name, p.Mode,
					p.Act.Action, p.Qualify.Occurrences, listOrAny(p.Match.EventType), remediate.Human(p.Qualify.Within))
			}
			fmt.Fprintf(w, "%d policies OK\n", len(set.Policies))
			return nil
		},
	}
	var problemFile string
	var occurrences int
	test := &cobra.Command{
		Use:   "test DIR --problem FILE",
		Short: "Show each policy's decision for a problem, without side effects",
		Long: `FILE is a problem as tend's JSON (POST /v1/problems), a Dynatrace webhook
payload or an Alertmanager webhook payload (its first alert). The catalog
and parameters are read (never written) from tend's store, so the decision
uses the real approved types and the product's latest template.`,
		Example: `  tend policy test ./policies --problem problem.json
  tend policy test ./policies --problem dynatrace.json --occurrences 3`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := policy.LoadDir(args[0])
			if err != nil {
				return fmt.Errorf("policies in %s are not valid:\n%w", args[0], err)
			}
			data, err := os.ReadFile(problemFile)
			if err != nil {
				return fmt.Errorf("read the problem: %w", err)
			}
			p, err := parseAnyProblem(data)
			if err != nil {
				return fmt.Errorf("%s: %w", problemFile, err)
			}
			s, _, err := g.openStore(cmd.Context(), cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			exs := remediate.Explain(cmd.Context(), set, p, remediate.ExplainOptions{
				Catalog: embedded.New(s.Catalog(), nil), Params: remediate.StoreParams{Store: s.Params()},
				Editors: templateEditors(), Occurrences: occurrences,
			})
			remediate.WriteExplanations(cmd.OutOrStdout(), exs)
			return nil
		},
	}
	test.Flags().StringVar(&problemFile, "problem", "", "problem JSON file (required)")
	test.Flags().IntVar(&occurrences, "occurrences", 1, "how many matching occurrences to assume for qualification")
	_ = test.MarkFlagRequired("problem")
	cmd.AddCommand(validate, test)
	return cmd
}

func listOrAny(l policy.List) string {
	if len(l) == 0 {
		return "any problem"
	}
	var b bytes.Buffer
	for i, s := range l {
		if i > 0 {
			b.WriteString("|")
		}
		b.WriteString(s)
	}
	return b.String()
}

// parseAnyProblem recognises tend's JSON, a Dynatrace payload or an
// Alertmanager payload.
func parseAnyProblem(data []byte) (problem.Problem, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return problem.Problem{}, fmt.Errorf("not a JSON object: %w", err)
	}
	_, hasAlerts := probe["alerts"]
	_, hasPID := probe["PID"]
	switch {
	case hasAlerts:
		ps, err := webhook.Alertmanager(data)
		if err != nil {
			return problem.Problem{}, err
		}
		return ps[0], nil
	case hasPID:
		return webhook.Dynatrace(data)
	}
	p, err := webhook.Native(data)
	var fe *problem.FieldError
	if errors.As(err, &fe) {
		return p, fmt.Errorf("as tend's problem JSON: %w", err)
	}
	return p, err
}
