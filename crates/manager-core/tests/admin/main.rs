//! The admin API over a real socket, against every configured store:
//! SQLite always, PostgreSQL when `PICLOUD_TEST_DATABASE_URL` is set.

mod auth;
mod common;
mod config;
mod logs;
mod openapi;
mod routes;
mod scripts;
mod store;
mod tokens;
