package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/kira-art/kira/internal/app"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/config"
)

// blobCmd is `kira blob migrate`: it copies every object of the local
// store ($KIRA_DATA_DIR/blobs) into the S3 store the S3_* settings name
// (BLOB_BACKEND itself may still be local, so the copy can be made before
// switching). Objects already there with the same size and ETag are
// skipped, so it can be re-run after an interruption, and run once more
// just before the switch to pick up what was written meanwhile.
func blobCmd(ctx context.Context, args []string, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		return errors.New("blob: usage: kira blob migrate [-quiet]")
	}
	fs := flag.NewFlagSet("blob migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("quiet", false, "no progress line")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if cfg.Blob.S3Bucket == "" {
		return errors.New("blob migrate: set S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (and S3_ENDPOINT for a non-AWS service)")
	}
	src, err := app.OpenLocalBlobs(cfg)
	if err != nil {
		return err
	}
	dst, err := app.OpenS3(cfg)
	if err != nil {
		return err
	}
	progress := func(p blob.MigrateProgress) {
		if !*quiet {
			fmt.Fprintf(stderr, "\rcopied %d/%d (%s), skipped %d", p.Done, p.Total, mib(p.Bytes), p.Skipped)
		}
	}
	p, err := blob.Migrate(ctx, src, dst, progress)
	if !*quiet && p.Total > 0 {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return fmt.Errorf("blob migrate: %w", err)
	}
	fmt.Fprintf(stderr, "blob migrate: %d objects, %d copied (%s), %d already there\n", p.Total, p.Copied, mib(p.Bytes), p.Skipped)
	return nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
