using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TokenScopes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "MintablePermissions",
                table: "Organizations",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Scopes",
                table: "AccessTokens",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MintablePermissions",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "Scopes",
                table: "AccessTokens");
        }
    }
}
