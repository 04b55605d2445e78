import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * [ext] Replication (issue 20): jobs (a local directory, a remote directory, a mode, a schedule, the
 * remote's API key encrypted), their runs (one row per run; a scheduled run's slot is unique per job)
 * with a per-file log written as files land (what a resumed run does not send again), and this
 * installation's identity (a UUID every node shares, made on first use: a database cloned from a
 * migrated template must not inherit it), which a remote is asked for to refuse
 * replicating a directory onto itself.
 */
export class Replication1797030000000 implements MigrationInterface {
  name = 'Replication1797030000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "replication_jobs" (
        "id" SERIAL NOT NULL,
        "feed_id" integer NOT NULL,
        "remote_url" text NOT NULL,
        "remote_feed" character varying(100) NOT NULL,
        "mode" character varying(10) NOT NULL,
        "api_key" text,
        "schedule" character varying(200) NOT NULL DEFAULT '',
        "deletes" boolean NOT NULL DEFAULT false,
        "created_by" character varying(200) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_replication_jobs" PRIMARY KEY ("id"),
        CONSTRAINT "FK_replication_jobs_feed" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "ix_replication_jobs_feed" ON "replication_jobs" ("feed_id")`);
    await queryRunner.query(`
      CREATE TABLE "replication_runs" (
        "id" BIGSERIAL NOT NULL,
        "job_id" integer NOT NULL,
        "trigger" character varying(20) NOT NULL,
        "slot" TIMESTAMP WITH TIME ZONE,
        "state" character varying(20) NOT NULL,
        "started_by" character varying(200) NOT NULL,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "compared_files" integer NOT NULL DEFAULT 0,
        "skipped_files" integer NOT NULL DEFAULT 0,
        "resumed" integer NOT NULL DEFAULT 0,
        "error" text,
        CONSTRAINT "PK_replication_runs" PRIMARY KEY ("id"),
        CONSTRAINT "FK_replication_runs_job" FOREIGN KEY ("job_id") REFERENCES "replication_jobs"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "ix_replication_runs_job" ON "replication_runs" ("job_id", "id")`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_replication_runs_slot" ON "replication_runs" ("job_id", "slot") WHERE "slot" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_replication_runs_running" ON "replication_runs" ("id") WHERE "state" = 'running'`,
    );
    await queryRunner.query(`
      CREATE TABLE "replication_run_files" (
        "run_id" bigint NOT NULL,
        "path_lower" text NOT NULL,
        "path" text NOT NULL,
        "outcome" character varying(10) NOT NULL,
        "size" bigint NOT NULL DEFAULT 0,
        "reason" text,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_replication_run_files" PRIMARY KEY ("run_id", "path_lower"),
        CONSTRAINT "FK_replication_run_files_run" FOREIGN KEY ("run_id") REFERENCES "replication_runs"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      CREATE TABLE "replication_identity" (
        "id" smallint NOT NULL,
        "server_id" uuid NOT NULL,
        CONSTRAINT "PK_replication_identity" PRIMARY KEY ("id")
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "replication_identity"`);
    await queryRunner.query(`DROP TABLE "replication_run_files"`);
    await queryRunner.query(`DROP TABLE "replication_runs"`);
    await queryRunner.query(`DROP TABLE "replication_jobs"`);
  }
}
