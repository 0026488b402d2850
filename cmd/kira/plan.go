package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// plan sets a user's plan: an operator's tool (support, demos, tests)
// until billing webhooks manage plans.
func plan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sub := fs.String("sub", "", "user id (UUID), required")
	name := fs.String("plan", "", "free, basic, basic_year, pro, pro_year, max or max_year")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" || *name == "" {
		return errors.New("plan: --sub <uuid> and --plan <name> are required")
	}
	_, st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, _, err := st.EnsureProfile(ctx, *sub, ""); err != nil {
		return err
	}
	if err := st.SetPlan(ctx, *sub, *name); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	fmt.Fprintf(stdout, "%s is now on plan %s\n", *sub, *name)
	return nil
}
