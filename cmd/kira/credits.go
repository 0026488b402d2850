package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/google/uuid"
)

// credits grants addon credits (a ledger row into addonCredits, which
// never reset): support, demos and tests. Monthly plan grants belong to
// billing, not to this command.
func credits(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("credits", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sub := fs.String("sub", "", "user id (UUID), required")
	add := fs.Int("add", 0, "credits to add to addonCredits (> 0), required")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := uuid.Parse(*sub); err != nil || *add <= 0 {
		return errors.New("credits: --sub <uuid> and --add <n> (n > 0) are required")
	}
	_, st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, _, err := st.EnsureProfile(ctx, *sub, ""); err != nil {
		return err
	}
	addon, credit, err := st.AddCredits(ctx, *sub, *add, "operator grant")
	if err != nil {
		return fmt.Errorf("credits: %w", err)
	}
	fmt.Fprintf(stdout, "%s now has credit %d and addonCredits %d (balance %d)\n", *sub, credit, addon, credit+addon)
	return nil
}
