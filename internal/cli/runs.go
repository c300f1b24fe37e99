package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/store"
)

var _ = registerCommand(newRunsCmd)

func newRunsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "runs",
		Aliases: []string{"run"},
		Short:   "List, inspect, approve and cancel remediation runs",
		Long: `Every problem a policy matches starts a run: a persisted state machine whose
steps (enrich, qualify, resolve, decide, approval, guard, act,
report) are recorded with their inputs, outputs and timing. A running tend
serve picks up approvals within remediation.poll_interval.`,
	}
	withRuns := func(cmd *cobra.Command, fn func(rs store.Runs) error) error {
		s, _, err := g.openStore(cmd.Context(), cmd)
		if err != nil {
			return err
		}
		defer s.Close()
		return fn(s.Runs())
	}
	var f store.RunFilter
	list := &cobra.Command{
		Use:   "list",
		Short: "List runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRuns(cmd, func(rs store.Runs) error {
				runs, err := rs.List(cmd.Context(), f)
				if err != nil {
					return err
				}
				if len(runs) == 0 {
					fmt.Fprintln(cmd.OutOrStdout(), "No runs.")
					return nil
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "RUN\tPOLICY\tSTATE\tOUTCOME\tCREATED\tSUMMARY")
				for _, r := range runs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Policy, r.State, dash(r.Outcome), r.CreatedAt.Format(time.RFC3339), r.Summary)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&f.Policy, "policy", "", "only this policy's runs")
	list.Flags().StringVar(&f.State, "state", "", "only runs in this state (pending, waiting_approval, done, failed, cancelled)")
	list.Flags().IntVar(&f.Limit, "limit", 50, "at most this many")
	var asJSON bool
	show := &cobra.Command{
		Use:   "show RUN",
		Short: "Show a run and each step's inputs, outputs and timing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRuns(cmd, func(rs store.Runs) error {
				r, err := rs.Get(cmd.Context(), args[0])
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no run %q (see tend runs list)", args[0])
				}
				if err != nil {
					return err
				}
				steps, err := rs.Steps(cmd.Context(), r.ID)
				if err != nil {
					return err
				}
				v := api.NewRunView(r, steps)
				w := cmd.OutOrStdout()
				if asJSON {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(v)
				}
				fmt.Fprintf(w, "run      %s\npolicy   %s (mode %s)\nproblem  %s\nstate    %s %s\nsummary  %s\n", v.ID, v.Policy, v.Mode, v.ProblemID, v.State, v.Outcome, v.Summary)
				if v.Error != "" {
					fmt.Fprintf(w, "error    %s\n", v.Error)
				}
				if v.ApprovedBy != "" {
					fmt.Fprintf(w, "approved %s\n", v.ApprovedBy)
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "\n#\tSTEP\tSTATUS\tSTARTED\tTOOK\tOUTPUT")
				for _, s := range v.Steps {
					out := string(s.Output)
					if s.Error != "" {
						out = "error: " + s.Error
					}
					if len(out) > 160 {
						out = out[:157] + "..."
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.1fms\t%s\n", s.Seq, s.Name, s.Status, s.StartedAt.Format("15:04:05.000"), s.DurationMS, out)
				}
				return tw.Flush()
			})
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print the run as JSON, with full step inputs and outputs")
	transition := func(use, short string, fn func(rs store.Runs) func(ctx context.Context, id, by string, at time.Time) (store.Run, error)) *cobra.Command {
		return &cobra.Command{
			Use:   use + " RUN",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				by := "cli"
				if u, err := user.Current(); err == nil {
					by = "cli user " + u.Username
				}
				return withRuns(cmd, func(rs store.Runs) error {
					r, err := fn(rs)(cmd.Context(), args[0], by, time.Now())
					switch {
					case errors.Is(err, store.ErrNotFound):
						return fmt.Errorf("no run %q (see tend runs list)", args[0])
					case errors.Is(err, store.ErrConflict):
						return fmt.Errorf("cannot %s run %s: it is %s", use, args[0], r.State)
					case err != nil:
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "Run %s is now %s\n", r.ID, r.State)
					return nil
				})
			},
		}
	}
	approve := transition("approve", "Approve a run waiting for approval; tend serve then acts", func(rs store.Runs) func(context.Context, string, string, time.Time) (store.Run, error) {
		return func(ctx context.Context, id, by string, at time.Time) (store.Run, error) {
			return rs.Approve(ctx, id, by, at)
		}
	})
	cancel := transition("cancel", "Cancel a run that has not finished", func(rs store.Runs) func(context.Context, string, string, time.Time) (store.Run, error) {
		return func(ctx context.Context, id, by string, at time.Time) (store.Run, error) {
			return rs.Cancel(ctx, id, by, at)
		}
	})
	cmd.AddCommand(list, show, approve, cancel)
	return cmd
}
