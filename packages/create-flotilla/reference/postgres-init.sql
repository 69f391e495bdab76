create database users;
create database orders;
create database notifications;
