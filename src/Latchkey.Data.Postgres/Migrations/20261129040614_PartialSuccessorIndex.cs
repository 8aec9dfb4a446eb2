using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class PartialSuccessorIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AccessTokens_ReplacedByTokenId",
                table: "AccessTokens");

            migrationBuilder.CreateIndex(
                name: "IX_AccessTokens_ReplacedByTokenId",
                table: "AccessTokens",
                column: "ReplacedByTokenId",
                filter: "\"ReplacedByTokenId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AccessTokens_ReplacedByTokenId",
                table: "AccessTokens");

            migrationBuilder.CreateIndex(
                name: "IX_AccessTokens_ReplacedByTokenId",
                table: "AccessTokens",
                column: "ReplacedByTokenId");
        }
    }
}
