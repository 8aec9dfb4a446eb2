using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TokenAuthority : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ExpiresAt",
                table: "ClusterCredentials",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LastUsedAt",
                table: "ClusterCredentials",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "RevokedByUserId",
                table: "ClusterCredentials",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ParentTokenId",
                table: "AccessTokens",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ConsoleSessions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EndedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EndReason = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
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
