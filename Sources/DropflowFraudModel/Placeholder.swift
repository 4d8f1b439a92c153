// DropflowFraudModel: see Package.swift
