using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Data.Postgres.Migrations
{
    /// <summary>
    /// The change log every replica reads (a transactional outbox written by the database itself):
    /// each write that can change a verification answer adds a numbered row in the same transaction,
    /// by trigger, so no code path can forget it and no committed change goes unannounced. NOTIFY
    /// (sent on commit, by the same trigger) only wakes the readers. <c>Tx</c> is the writing
    /// transaction's id: a reader takes only rows of transactions older than every one still running,
    /// so a row cannot appear later behind its position. Rows hold ids and digests, never a secret.
    /// </summary>
    [DbContext(typeof(LatchkeyDbContext))]
    [Migration("20261207130500_ChangeLog")]
    public partial class ChangeLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE "AccessChanges" (
                    "Id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    "Tx" xid8 NOT NULL DEFAULT pg_current_xact_id(),
                    "At" timestamp with time zone NOT NULL DEFAULT now(),
                    "Change" text NOT NULL);
                CREATE INDEX "IX_AccessChanges_Tx_Id" ON "AccessChanges" ("Tx", "Id");
                CREATE INDEX "IX_AccessChanges_At" ON "AccessChanges" ("At");

                CREATE FUNCTION latchkey_change(change text) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO "AccessChanges" ("Change") VALUES (change);
                    PERFORM pg_notify('latchkey_changes', '');
                END $$;

                CREATE FUNCTION latchkey_token_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        PERFORM latchkey_change('token:' || upper(encode(OLD."SecretDigest", 'hex')));
                        RETURN OLD;
                    END IF;
                    PERFORM latchkey_change('token:' || upper(encode(NEW."SecretDigest", 'hex')));
                    RETURN NEW;
                END $$;
                CREATE TRIGGER latchkey_token_update AFTER UPDATE ON "AccessTokens" FOR EACH ROW
                    WHEN (OLD."RevokedAt" IS DISTINCT FROM NEW."RevokedAt" OR OLD."RetiresAt" IS DISTINCT FROM NEW."RetiresAt"
                        OR OLD."ExpiresAt" IS DISTINCT FROM NEW."ExpiresAt" OR OLD."Scopes" IS DISTINCT FROM NEW."Scopes"
                        OR OLD."AllowedCidrs" IS DISTINCT FROM NEW."AllowedCidrs" OR OLD."UserId" IS DISTINCT FROM NEW."UserId"
                        OR OLD."SecretDigest" IS DISTINCT FROM NEW."SecretDigest")
                    EXECUTE FUNCTION latchkey_token_changed();
                CREATE TRIGGER latchkey_token_delete AFTER DELETE ON "AccessTokens" FOR EACH ROW EXECUTE FUNCTION latchkey_token_changed();

                -- One row names what changed: the kind (TG_ARGV[0]) and the id in the column TG_ARGV[1].
                CREATE FUNCTION latchkey_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE changed jsonb;
                BEGIN
                    IF TG_OP = 'DELETE' THEN changed := to_jsonb(OLD); ELSE changed := to_jsonb(NEW); END IF;
                    PERFORM latchkey_change(TG_ARGV[0] || ':' || (changed ->> TG_ARGV[1]));
                    RETURN NULL;
                END $$;
                CREATE TRIGGER latchkey_user_update AFTER UPDATE ON "Users" FOR EACH ROW
                    WHEN (OLD."IsActive" IS DISTINCT FROM NEW."IsActive" OR OLD."OrganizationId" IS DISTINCT FROM NEW."OrganizationId"
                        OR OLD."PasswordHash" IS DISTINCT FROM NEW."PasswordHash" OR OLD."Email" IS DISTINCT FROM NEW."Email")
                    EXECUTE FUNCTION latchkey_row_changed('user', 'Id');
                CREATE TRIGGER latchkey_user_delete AFTER DELETE ON "Users" FOR EACH ROW EXECUTE FUNCTION latchkey_row_changed('user', 'Id');

                CREATE FUNCTION latchkey_policies_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM latchkey_change('policies');
                    RETURN NULL;
                END $$;
                CREATE TRIGGER latchkey_policies AFTER INSERT OR UPDATE OR DELETE ON "AccessPolicies" FOR EACH STATEMENT EXECUTE FUNCTION latchkey_policies_changed();
                CREATE TRIGGER latchkey_group_members AFTER INSERT OR UPDATE OR DELETE ON "GroupMembers" FOR EACH STATEMENT EXECUTE FUNCTION latchkey_policies_changed();
                CREATE TRIGGER latchkey_groups AFTER UPDATE OR DELETE ON "Groups" FOR EACH STATEMENT EXECUTE FUNCTION latchkey_policies_changed();
                CREATE TRIGGER latchkey_vpcs AFTER INSERT OR UPDATE OR DELETE ON "Vpcs" FOR EACH STATEMENT EXECUTE FUNCTION latchkey_policies_changed();

                CREATE TRIGGER latchkey_organization AFTER UPDATE OR DELETE ON "Organizations" FOR EACH ROW EXECUTE FUNCTION latchkey_row_changed('organization', 'Id');

                CREATE TRIGGER latchkey_cluster AFTER UPDATE OR DELETE ON "Clusters" FOR EACH ROW EXECUTE FUNCTION latchkey_row_changed('cluster', 'Id');

                CREATE TRIGGER latchkey_cluster_credential_update AFTER UPDATE ON "ClusterCredentials" FOR EACH ROW
                    WHEN (OLD."RevokedAt" IS DISTINCT FROM NEW."RevokedAt" OR OLD."ExpiresAt" IS DISTINCT FROM NEW."ExpiresAt")
                    EXECUTE FUNCTION latchkey_row_changed('cluster', 'ClusterId');
                CREATE TRIGGER latchkey_cluster_credential_delete AFTER DELETE ON "ClusterCredentials" FOR EACH ROW EXECUTE FUNCTION latchkey_row_changed('cluster', 'ClusterId');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER latchkey_cluster_credential_delete ON "ClusterCredentials";
                DROP TRIGGER latchkey_cluster_credential_update ON "ClusterCredentials";
                DROP TRIGGER latchkey_cluster ON "Clusters";
                DROP TRIGGER latchkey_organization ON "Organizations";
                DROP TRIGGER latchkey_vpcs ON "Vpcs";
                DROP TRIGGER latchkey_groups ON "Groups";
                DROP TRIGGER latchkey_group_members ON "GroupMembers";
                DROP TRIGGER latchkey_policies ON "AccessPolicies";
                DROP TRIGGER latchkey_user_delete ON "Users";
                DROP TRIGGER latchkey_user_update ON "Users";
                DROP TRIGGER latchkey_token_delete ON "AccessTokens";
                DROP TRIGGER latchkey_token_update ON "AccessTokens";
                DROP FUNCTION latchkey_policies_changed();
                DROP FUNCTION latchkey_row_changed();
                DROP FUNCTION latchkey_token_changed();
                DROP FUNCTION latchkey_change(text);
                DROP TABLE "AccessChanges";
                """);
        }
    }
}
