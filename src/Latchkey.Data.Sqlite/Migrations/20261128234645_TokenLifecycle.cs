using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TokenLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "IdleRevokeDays",
                table: "Organizations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AllowedCidrs",
                table: "AccessTokens",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReplacedByTokenId",
                table: "AccessTokens",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RetiresAt",
                table: "AccessTokens",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "TokenSources",
                columns: table => new
                {
                    TokenId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    LastSeenAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TokenSources", x => new { x.TokenId, x.Address });
                });

            migrationBuilder.CreateTable(
                name: "TokenUsageDays",
                columns: table => new
                {
                    TokenId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Door = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TokenUsageDays", x => new { x.TokenId, x.Day, x.Door });
                });

            migrationBuilder.CreateIndex(
                name: "IX_AccessTokens_ReplacedByTokenId",
                table: "AccessTokens",
                column: "ReplacedByTokenId");

            migrationBuilder.CreateIndex(
                name: "IX_TokenSources_LastSeenAt",
                table: "TokenSources",
                column: "LastSeenAt");

            migrationBuilder.CreateIndex(
                name: "IX_TokenUsageDays_Day",
                table: "TokenUsageDays",
                column: "Day");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TokenSources");

            migrationBuilder.DropTable(
                name: "TokenUsageDays");

            migrationBuilder.DropIndex(
                name: "IX_AccessTokens_ReplacedByTokenId",
                table: "AccessTokens");

            migrationBuilder.DropColumn(
                name: "IdleRevokeDays",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "AllowedCidrs",
                table: "AccessTokens");

            migrationBuilder.DropColumn(
                name: "ReplacedByTokenId",
                table: "AccessTokens");

            migrationBuilder.DropColumn(
                name: "RetiresAt",
                table: "AccessTokens");
        }
    }
}
