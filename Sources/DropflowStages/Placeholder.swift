// DropflowStages: see Package.swift
