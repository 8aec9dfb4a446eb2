using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class TokenAuthority : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ExpiresAt",
                table: "ClusterCredentials",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LastUsedAt",
                table: "ClusterCredentials",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "RevokedByUserId",
                table: "ClusterCredentials",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ParentTokenId",
                table: "AccessTokens",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ConsoleSessions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    UserId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    EndedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    EndReason = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConsoleSessions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ConsoleSessions_Users_UserId",
                        column: x => x.UserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AccessTokens_ParentTokenId",
                table: "AccessTokens",
                column: "ParentTokenId",
                filter: "\"ParentTokenId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ConsoleSessions_UserId",
                table: "ConsoleSessions",
                column: "UserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ConsoleSessions");

            migrationBuilder.DropIndex(
                name: "IX_AccessTokens_ParentTokenId",
                table: "AccessTokens");

            migrationBuilder.DropColumn(
                name: "ExpiresAt",
                table: "ClusterCredentials");

            migrationBuilder.DropColumn(
                name: "LastUsedAt",
                table: "ClusterCredentials");

            migrationBuilder.DropColumn(
                name: "RevokedByUserId",
                table: "ClusterCredentials");

            migrationBuilder.DropColumn(
                name: "ParentTokenId",
                table: "AccessTokens");
        }
    }
}
